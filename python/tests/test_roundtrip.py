"""numpy arrays through every device: sync and async copies, memsets, pinned memory."""

from __future__ import annotations

import gc

import numpy as np
import pytest
from conftest import required_plugins

import flaghal


def test_every_required_plugin_has_a_device() -> None:
    have = {d.properties.plugin_name for d in flaghal.devices()}
    missing = [p for p in required_plugins() if p not in have]
    skipped = {p.name: p.skip_detail for p in flaghal.plugins() if p.status != flaghal.PluginStatus.LOADED}
    assert not missing, f"no device from {missing}; devices from {sorted(have)}; skipped plugins: {skipped}"


def test_properties_are_plausible(device: flaghal.Device) -> None:
    p = device.properties
    assert p.name and p.plugin_name
    assert p.memory_alignment >= 256 and p.max_threads_per_block >= 64
    assert p.module_formats, "a device lists at least one module format"
    free, total = device.mem_info()
    assert 0 < total and free <= total


def test_numpy_round_trip(device: flaghal.Device) -> None:
    rng = np.random.default_rng(7)
    a = rng.standard_normal((64, 33)).astype(np.float32)
    with device.alloc(a.nbytes) as buf:
        buf.copy_from(a)
        back = buf.to_numpy(np.float32, a.shape)
    assert back.shape == a.shape and back.dtype == np.float32
    np.testing.assert_array_equal(back, a)


def test_async_round_trip_on_a_stream(device: flaghal.Device) -> None:
    a = np.arange(10_000, dtype=np.int64) * 3
    out = np.zeros_like(a)
    with device.alloc(a.nbytes) as src, device.alloc(a.nbytes) as dst, device.stream() as stream:
        src.copy_from(a, stream=stream)
        dst.copy_from(src, stream=stream)
        dst.copy_to(out, stream=stream)
        stream.synchronize()
        assert stream.query()
    np.testing.assert_array_equal(out, a)


def test_offsets_and_memset(device: flaghal.Device) -> None:
    with device.alloc(4096) as buf:
        buf.memset(0xAB)
        buf.memset(0x1234, width=2, offset=256, count=8)
        buf.copy_from(np.array([7, 8, 9], dtype=np.uint32), offset=1024)
        raw = buf.to_numpy()
    assert (raw[:256] == 0xAB).all() and (raw[272:1024] == 0xAB).all()
    assert (raw[256:272].view(np.uint16) == 0x1234).all()
    assert list(raw[1024:1036].view(np.uint32)) == [7, 8, 9]


def test_fill_writes_the_bit_pattern(device: flaghal.Device) -> None:
    with device.alloc(1024) as buf:
        buf.fill(1.5, np.float32)
        assert (buf.to_numpy(np.float32) == 1.5).all()
        buf.fill(-2, np.int16)
        assert (buf.to_numpy(np.int16) == -2).all()


def test_pinned_host_memory_round_trip(device: flaghal.Device) -> None:
    if flaghal.Capability.PINNED_HOST_MEMORY not in device.capabilities:
        with pytest.raises(flaghal.NotSupportedError):
            device.alloc_host(4096)
        return
    a = np.linspace(0, 1, 512, dtype=np.float64)
    with device.alloc_host(a.nbytes) as pinned, device.alloc(a.nbytes) as buf, device.stream() as stream:
        assert (pinned.to_numpy() == 0).all(), "pinned memory starts zeroed"
        pinned.copy_from(a)
        buf.copy_from(pinned, stream=stream)
        back = device.alloc_host(a.nbytes)
        buf.copy_to(back, stream=stream)
        stream.synchronize()
        np.testing.assert_array_equal(back.to_numpy(np.float64), a)
        back.free()


def test_async_sources_stay_alive_and_free_waits_for_the_stream(device: flaghal.Device) -> None:
    n = 1 << 18
    with device.stream() as stream:
        buf = device.alloc(4 * n)
        # A temporary array only the stream holds while the copy is queued.
        buf.copy_from(np.full(n, 3, dtype=np.float32), stream=stream)
        gc.collect()
        out = buf.to_numpy(np.float32, stream=stream)
        buf.free()  # synchronises the stream that still uses buf, then frees
        assert stream.query()
        assert (out == 3).all()
