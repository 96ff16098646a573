"""Bad input gets a clear Python error, and nothing bad reaches the C library."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import flaghal
from flaghal._library import library


def other_device(device: flaghal.Device) -> flaghal.Device:
    others = [d for d in flaghal.devices() if d is not device]
    if not others:
        pytest.skip("one device only")
    return others[0]


# --- statuses from the loader and plugins: name, function and detail message ---


def test_out_of_memory_names_the_status_and_the_plugin(device: flaghal.Device) -> None:
    with pytest.raises(flaghal.OutOfMemoryError) as caught:
        device.alloc(1 << 60)
    error = caught.value
    assert error.status == flaghal.Status.OUT_OF_MEMORY and error.name == "FH_ERROR_OUT_OF_MEMORY"
    assert error.function == "fhMemAlloc"
    assert error.message.startswith(f"{device.properties.plugin_name}: fhMemAlloc"), error.message
    assert str(error).startswith("fhMemAlloc returned FH_ERROR_OUT_OF_MEMORY: ")


def test_loader_refusals_carry_its_message(device: flaghal.Device) -> None:
    with pytest.raises(flaghal.InvalidValueError, match=r"flaghal: fhMemAlloc: size is 0"):
        device.alloc(0)
    with pytest.raises(flaghal.InvalidImageError, match="FHBUNDLE"):
        device.load_module(b"not a module, not a bundle")
    with pytest.raises(flaghal.InvalidValueError):
        device.load_module(b"")


def test_unknown_kernel_and_bad_launches(device: flaghal.Device, bundle: bytes) -> None:
    with device.load_module(bundle) as module, device.stream() as stream, device.alloc(64) as buf:
        with pytest.raises(flaghal.NotFoundError, match="no_such_kernel"):
            module.function("no_such_kernel")
        scale = module["scale"]
        with pytest.raises(flaghal.InvalidValueError, match="24"):
            scale.launch(stream, 1, 1, flaghal.Args().ptr(buf).ptr(buf))  # 16 of 24 bytes
        good = flaghal.Args().ptr(buf).ptr(buf).f32(1.0).u32(16)
        with pytest.raises(flaghal.InvalidConfigurationError):
            scale.launch(stream, 0, 1, good)
        with pytest.raises(flaghal.InvalidConfigurationError):
            scale.launch(stream, 1, device.properties.max_threads_per_block + 1, good)
        with pytest.raises(ValueError, match="grid"):
            scale.launch(stream, -1, 1, good)
        with pytest.raises(ValueError, match="block"):
            scale.launch(stream, 1, (1, 1, 1, 1), good)  # type: ignore[arg-type]
        stream.synchronize()


def test_null_handle_from_the_loader() -> None:
    lib = library()
    with pytest.raises(flaghal.InvalidHandleError, match="flaghal: fhStreamSynchronize: stream is NULL") as caught:
        lib.call("fhStreamSynchronize", lib.ffi.NULL)
    assert caught.value.name == "FH_ERROR_INVALID_HANDLE"


# --- wrong dtype, size, layout ---


def test_wrong_dtype(cpu_device: flaghal.Device) -> None:
    with cpu_device.alloc(64) as buf:
        with pytest.raises(TypeError, match="not a plain numeric type"):
            buf.to_numpy(object)
        with pytest.raises(TypeError, match="not a numpy dtype"):
            buf.to_numpy("no-such-dtype")
        with pytest.raises(ValueError, match="1-, 2- and 4-byte"):
            buf.fill(1.0, np.float64)
        with pytest.raises(TypeError, match="numpy array or a bytes-like"):
            buf.copy_from([1, 2, 3])
        with pytest.raises(TypeError, match="not int"):
            buf.copy_from(42)


def test_wrong_size(device: flaghal.Device) -> None:
    with device.alloc(64) as buf:
        with pytest.raises(ValueError, match="128 bytes at offset 0 do not fit in 64 bytes"):
            buf.copy_from(np.zeros(32, dtype=np.float32))
        with pytest.raises(ValueError, match="do not fit"):
            buf.copy_from(np.zeros(4, dtype=np.float32), offset=56)
        with pytest.raises(ValueError, match="do not fit"):
            buf.copy_to(np.zeros(17, dtype=np.float32))
        with pytest.raises(ValueError, match="needs 72 bytes; only 64"):
            buf.to_numpy(np.float64, (3, 3))
        with pytest.raises(ValueError, match="whole number of float64"):
            buf.to_numpy(np.float64, offset=4)
        with pytest.raises(ValueError, match=">= 0"):
            buf.to_numpy(offset=-1)
        with pytest.raises(ValueError, match="do not fit"):
            buf.memset(0, width=4, count=17)
        with pytest.raises(ValueError, match="does not fit in 1 byte"):
            buf.memset(256)
        with pytest.raises(ValueError, match="multiple of the width"):
            buf.memset(0, width=4, offset=2)
        with pytest.raises(ValueError, match="width must be 1, 2 or 4"):
            buf.memset(0, width=3)
        # Nothing of that reached the buffer.
        buf.memset(9)
        assert (buf.to_numpy() == 9).all()


def test_layout_and_writability(cpu_device: flaghal.Device) -> None:
    a = np.arange(64, dtype=np.float32)
    with cpu_device.alloc(a.nbytes) as buf:
        with pytest.raises(ValueError, match="not C-contiguous"):
            buf.copy_from(a[::2])
        with pytest.raises(ValueError, match="not C-contiguous"):
            buf.copy_to(np.zeros((8, 8), dtype=np.float32).T)
        with pytest.raises(ValueError, match="read-only"):
            buf.copy_to(bytes(a.nbytes))
        frozen = np.zeros(64, dtype=np.float32)
        frozen.flags.writeable = False
        with pytest.raises(ValueError, match="read-only"):
            buf.copy_to(frozen)


def test_args_values_are_checked(cpu_device: flaghal.Device) -> None:
    with pytest.raises(ValueError, match=r"Args.u32\(-1\)"):
        flaghal.Args().u32(-1)
    with pytest.raises(ValueError, match=r"Args.u32\(4294967296\)"):
        flaghal.Args().u32(1 << 32)
    with pytest.raises(TypeError, match="Buffer or an int"):
        flaghal.Args().ptr("0x1000")  # type: ignore[arg-type]
    with cpu_device.alloc(64) as buf, pytest.raises(ValueError, match="past the end"):
        flaghal.Args().ptr(buf, 65)


# --- released objects: never passed on, never a crash ---


def test_freed_buffer_raises_everywhere(device: flaghal.Device) -> None:
    buf = device.alloc(64)
    with device.stream() as stream:
        buf.free()
        buf.free()  # a second free is a no-op
        assert buf.closed and "freed" in repr(buf)
        attempts: list[Callable[[], object]] = [
            lambda: buf.address,
            lambda: buf.copy_from(b"x" * 8),
            lambda: buf.copy_from(b"x" * 8, stream=stream),
            lambda: buf.copy_to(bytearray(8)),
            lambda: buf.to_numpy(),
            lambda: buf.memset(0),
            lambda: buf.fill(0, np.uint8, stream=stream),
            lambda: flaghal.Args().ptr(buf),
            lambda: np.from_dlpack(buf),
        ]
        for attempt in attempts:
            with pytest.raises(flaghal.ReleasedError, match="was freed"):
                attempt()
        with device.alloc(64) as live, pytest.raises(flaghal.ReleasedError):
            live.copy_from(buf)


def test_buffer_in_freed_kernel_arguments(device: flaghal.Device, bundle: bytes) -> None:
    with device.load_module(bundle) as module, device.stream() as stream:
        buf = device.alloc(64)
        args = flaghal.Args().ptr(buf).ptr(buf).f32(1.0).u32(16)
        buf.free()
        with pytest.raises(flaghal.ReleasedError):
            module["scale"].launch(stream, 1, 16, args)


def test_closed_stream_event_and_module(device: flaghal.Device, bundle: bytes) -> None:
    stream = device.stream()
    event = device.event()
    module = device.load_module(bundle)
    scale = module["scale"]
    stream.close()
    event.close()
    module.close()
    with device.alloc(64) as buf:
        with pytest.raises(flaghal.ReleasedError, match="was closed"):
            buf.copy_from(b"x" * 8, stream=stream)
        with pytest.raises(flaghal.ReleasedError):
            stream.synchronize()
        with pytest.raises(flaghal.ReleasedError):
            event.query()
        with device.stream() as live:
            with pytest.raises(flaghal.ReleasedError):
                live.wait_event(event)
            with pytest.raises(flaghal.ReleasedError):
                scale.launch(live, 1, 16, flaghal.Args().ptr(buf).ptr(buf).f32(1.0).u32(16))
            with pytest.raises(flaghal.ReleasedError):
                module.function("vector_add")


def test_wrong_kind_of_object(device: flaghal.Device) -> None:
    with device.alloc(64) as buf, device.event() as event, device.stream() as stream:
        with pytest.raises(TypeError, match="expected a flaghal.Stream, not Event"):
            buf.copy_from(b"x", stream=event)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="expected a flaghal.Stream, not Buffer"):
            event.record(buf)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="expected a flaghal.Event"):
            stream.wait_event(stream)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="copy_to writes host memory"):
            buf.copy_to(buf)


# --- objects of two devices ---


def test_wrong_device(device: flaghal.Device, bundle: bytes) -> None:
    other = other_device(device)
    with device.alloc(64) as mine, other.alloc(64) as theirs, other.stream() as their_stream:
        with pytest.raises(flaghal.DeviceMismatchError, match="belongs to"):
            mine.copy_from(b"x" * 8, stream=their_stream)
        with pytest.raises(flaghal.DeviceMismatchError, match="another device"):
            mine.copy_from(theirs)
        with device.load_module(bundle) as module, device.stream() as stream:
            with pytest.raises(flaghal.DeviceMismatchError, match="kernel's device"):
                module["scale"].launch(stream, 1, 16, flaghal.Args().ptr(theirs).ptr(mine).f32(1.0).u32(16))
            # The loader's own check, for what only it sees.
            with pytest.raises(flaghal.InvalidDeviceError, match="different devices"):
                module["scale"].launch(their_stream, 1, 16, flaghal.Args().ptr(mine).ptr(mine).f32(1.0).u32(16))
            with pytest.raises(flaghal.InvalidDeviceError, match="belong to different devices"):
                other.event().record(stream)
