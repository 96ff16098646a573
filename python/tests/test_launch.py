"""Kernel launches from a flaghal-kernel bundle on every device, events and timing."""

from __future__ import annotations

import numpy as np
import pytest

import flaghal


def test_vector_add_on_every_device(device: flaghal.Device, bundle: bytes) -> None:
    n = 10_000
    a = np.arange(n, dtype=np.float32)
    b = np.full(n, 0.5, dtype=np.float32)
    with device.load_module(bundle) as module, device.stream() as stream:
        vector_add = module["vector_add"]
        assert vector_add.max_threads_per_block >= 64
        da, db, dc = device.alloc(a.nbytes), device.alloc(b.nbytes), device.alloc(a.nbytes)
        da.copy_from(a, stream=stream)
        db.copy_from(b, stream=stream)
        start, end = stream.record(), device.event()
        args = flaghal.Args().ptr(da).ptr(db).ptr(dc).u32(n)
        assert len(args) == 32
        vector_add.launch(stream, grid=(n + 255) // 256, block=256, args=args)
        end.record(stream)
        c = dc.to_numpy(np.float32, stream=stream)
        stream.synchronize()
        np.testing.assert_array_equal(c, a + b)
        assert end.query()
        if flaghal.Capability.EVENT_TIMING in device.capabilities:
            assert start.elapsed_time(end) >= 0.0
        for buf in (da, db, dc):
            buf.free()


def test_scale_in_place_with_raw_bytes_args(device: flaghal.Device, bundle: bytes) -> None:
    n = 1000
    x = np.arange(n, dtype=np.float32)
    with device.load_module(bundle) as module, device.stream() as stream, device.alloc(x.nbytes) as buf:
        buf.copy_from(x)
        blob = bytes(flaghal.Args().ptr(buf).ptr(buf).f32(3.0).u32(n))
        assert len(blob) == 24
        module.function("scale").launch(stream, (n + 127) // 128, (128, 1, 1), blob)
        stream.synchronize()
        np.testing.assert_array_equal(buf.to_numpy(np.float32), 3.0 * x)


def test_garbage_collected_arguments_stay_alive_until_the_stream_ran(device: flaghal.Device, bundle: bytes) -> None:
    n = 4096
    with device.load_module(bundle) as module, device.stream() as stream:
        out = device.alloc(4 * n)
        # The inputs are dropped right after queuing: the stream holds them.
        src = device.alloc(4 * n)
        src.copy_from(np.ones(n, dtype=np.float32), stream=stream)
        module["scale"].launch(stream, n // 256, 256, flaghal.Args().ptr(src).ptr(out).f32(2.0).u32(n))
        del src
        stream.synchronize()
        assert (out.to_numpy(np.float32) == 2.0).all()
        out.free()


def test_timing_disabled_event_refuses_elapsed_time(device: flaghal.Device) -> None:
    with device.stream() as stream:
        a, b = device.event(timing=False), device.event(timing=False)
        a.record(stream)
        b.record(stream)
        b.synchronize()
        with pytest.raises(flaghal.StatusError) as caught:
            a.elapsed_time(b)
        assert caught.value.name in ("FH_ERROR_INVALID_VALUE", "FH_ERROR_NOT_SUPPORTED")


def test_host_function_runs_in_stream_order(device: flaghal.Device) -> None:
    if flaghal.Capability.HOST_FUNC not in device.capabilities:
        with device.stream() as stream, pytest.raises(flaghal.NotSupportedError):
            stream.launch_host_func(lambda: None)
        return
    seen: list[int] = []
    with device.stream() as stream, device.alloc(4) as buf:
        host = np.zeros(1, dtype=np.uint32)
        buf.memset(7, width=4, stream=stream)
        buf.copy_to(host, stream=stream)
        stream.launch_host_func(lambda: seen.append(int(host[0])))
        stream.synchronize()
    assert seen == [7], "the host function ran after the copy, before synchronize returned"
    with device.stream() as stream, pytest.raises(TypeError, match="callable"):
        stream.launch_host_func(42)  # type: ignore[arg-type]
