"""Deterministic release: context managers, close(), and plain reference drops
(no reference cycles, so CPython frees at once), with queued work holding
what it uses."""

from __future__ import annotations

import numpy as np

import flaghal


def test_context_managers_release_at_exit(device: flaghal.Device, bundle: bytes) -> None:
    with device.alloc(64) as buf, device.stream() as stream, device.event() as event:
        with device.load_module(bundle) as module:
            pass
        assert module.closed
    assert buf.closed and stream.closed and event.closed


def test_dropping_the_last_reference_releases_at_once(device: flaghal.Device, bundle: bytes) -> None:
    buf = device.alloc(64)
    released = buf._finalizer
    del buf
    assert not released.alive, "a Buffer is freed when its last reference goes"
    module = device.load_module(bundle)
    function = module["scale"]
    released = module._finalizer
    del module
    assert released.alive, "a Function keeps its Module loaded"
    del function
    assert not released.alive


def test_queued_work_holds_its_buffer_until_the_stream_ran(device: flaghal.Device) -> None:
    with device.stream() as stream:
        buf = device.alloc(1 << 16)
        buf.copy_from(np.ones(1 << 14, dtype=np.float32), stream=stream)
        released = buf._finalizer
        del buf
        assert released.alive, "the stream still holds the buffer its copy writes"
        stream.synchronize()
        assert not released.alive, "synchronize() lets it go"


def test_device_synchronize_releases_every_stream_hold(device: flaghal.Device) -> None:
    streams = [device.stream(), device.stream()]
    finalizers = []
    for stream in streams:
        buf = device.alloc(256)
        buf.memset(1, stream=stream)
        finalizers.append(buf._finalizer)
        del buf
    assert all(f.alive for f in finalizers)
    device.synchronize()
    assert not any(f.alive for f in finalizers)
    for stream in streams:
        stream.close()
