"""Threads: cffi releases the GIL in every call, and each OS thread's detail
message stays its own, so concurrent failures carry their own messages."""

from __future__ import annotations

import threading

import numpy as np

import flaghal


def test_concurrent_streams_and_per_thread_error_messages(device: flaghal.Device) -> None:
    rounds = 20
    failures: list[str] = []

    def copier(seed: int) -> None:
        try:
            a = np.arange(4096, dtype=np.int32) + seed
            with device.stream() as stream, device.alloc(a.nbytes) as buf:
                for _ in range(rounds):
                    out = np.empty_like(a)
                    buf.copy_from(a, stream=stream)
                    buf.copy_to(out, stream=stream)
                    stream.synchronize()
                    if not (out == a).all():
                        failures.append(f"thread {seed}: wrong copy")
        except Exception as error:  # reported below, not lost in the thread
            failures.append(f"thread {seed}: {error!r}")

    def failer(size: int, expected: type[flaghal.StatusError], text: str) -> None:
        for _ in range(rounds):
            try:
                device.alloc(size)
            except expected as error:
                if text not in error.message:
                    failures.append(f"{expected.__name__} carried another thread's message: {error.message!r}")
            else:
                failures.append(f"alloc({size}) succeeded")

    threads = [threading.Thread(target=copier, args=(seed,)) for seed in range(3)]
    threads.append(threading.Thread(target=failer, args=(0, flaghal.InvalidValueError, "size is 0")))
    plugin = f"{device.properties.plugin_name}: fhMemAlloc"  # the loader's own refusal says "flaghal: ..."
    threads.append(threading.Thread(target=failer, args=(1 << 60, flaghal.OutOfMemoryError, plugin)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
