"""numpy.from_dlpack shares host-accessible FlagHAL memory; the rest refuse clearly."""

from __future__ import annotations

import gc

import numpy as np
import pytest

import flaghal


def test_cpu_buffer_shares_memory_both_ways(cpu_device: flaghal.Device) -> None:
    buf = cpu_device.alloc(1024)
    buf.memset(0)
    view = np.from_dlpack(buf.view(np.float32))
    assert view.shape == (256,) and view.dtype == np.float32
    assert view.ctypes.data == buf.address, "the array is the buffer's memory, not a copy"
    # Write through numpy, read through FlagHAL.
    view[10] = 42.5
    assert buf.to_numpy(np.float32)[10] == 42.5
    # Write through FlagHAL, read through numpy.
    buf.copy_from(np.array([7.0], dtype=np.float32), offset=4 * 20)
    assert view[20] == 7.0
    # While the array lives the buffer cannot be freed under it.
    with pytest.raises(BufferError, match="live DLPack export"):
        buf.free()
    del view
    gc.collect()
    buf.free()
    assert buf.closed


def test_whole_buffer_export_is_bytes(cpu_device: flaghal.Device) -> None:
    with cpu_device.alloc(300) as buf:
        raw = np.from_dlpack(buf)
        assert raw.dtype == np.uint8 and raw.shape == (300,)
        raw[:] = 5
        assert (buf.to_numpy() == 5).all()
        del raw


def test_typed_view_with_shape_and_offset(cpu_device: flaghal.Device) -> None:
    with cpu_device.alloc(4096) as buf:
        buf.copy_from(np.arange(1024, dtype=np.int32))
        grid = np.from_dlpack(buf.view(np.int32, (4, 8), offset=64))
        np.testing.assert_array_equal(grid, np.arange(16, 48, dtype=np.int32).reshape(4, 8))
        del grid


def test_legacy_consumer_without_max_version(cpu_device: flaghal.Device) -> None:
    class Legacy:  # a producer of the 0.x protocol: numpy retries without keywords
        def __init__(self, inner: flaghal.View) -> None:
            self.inner = inner

        def __dlpack__(self, stream: object = None) -> object:
            return self.inner.__dlpack__(stream=stream)

        def __dlpack_device__(self) -> tuple[int, int]:
            return self.inner.__dlpack_device__()

    with cpu_device.alloc(64) as buf:
        view = np.from_dlpack(Legacy(buf.view(np.uint64)))  # type: ignore[arg-type]
        assert not view.flags.writeable, "numpy imports 0.x tensors read-only"
        buf.copy_from(np.array([99], dtype=np.uint64))
        assert view[0] == 99
        del view


def test_unconsumed_capsule_releases_its_export(cpu_device: flaghal.Device) -> None:
    buf = cpu_device.alloc(64)
    for max_version in (None, (1, 0)):
        capsule = buf.__dlpack__(max_version=max_version)
        with pytest.raises(BufferError):
            buf.free()
        del capsule
    buf.free()


def test_pinned_host_memory_shares_memory(device: flaghal.Device) -> None:
    if flaghal.Capability.PINNED_HOST_MEMORY not in device.capabilities:
        pytest.skip(f"{device!r} has no pinned host memory")
    with device.alloc_host(256) as pinned:
        view = np.from_dlpack(pinned.view(np.uint32))
        view[3] = 0xDEADBEEF
        assert pinned.to_numpy(np.uint32)[3] == 0xDEADBEEF
        assert pinned.__dlpack_device__() == (1, 0)
        del view


def test_device_memory_the_host_cannot_address_refuses(device: flaghal.Device) -> None:
    with device.alloc(64) as buf:
        if flaghal.Capability.HOST_ACCESSIBLE_MEMORY in device.capabilities:
            assert buf.__dlpack_device__() == (1, 0)
            return
        with pytest.raises(BufferError, match="cannot address"):
            np.from_dlpack(buf)
        with pytest.raises(BufferError, match="HOST_ACCESSIBLE"):
            buf.__dlpack_device__()


def test_export_arguments_are_checked(cpu_device: flaghal.Device) -> None:
    with cpu_device.alloc(64) as buf:
        with pytest.raises(BufferError, match="stream"):
            buf.__dlpack__(stream=1)
        with pytest.raises(BufferError, match="device"):
            buf.__dlpack__(dl_device=(2, 0))
        with pytest.raises(BufferError, match="copy"):
            buf.__dlpack__(copy=True)
        with pytest.raises(TypeError, match="DLPack has no type"):
            buf.view(np.dtype(">f4")).__dlpack__()
