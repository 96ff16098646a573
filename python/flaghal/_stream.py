"""Stream (fhStream*) and Event (fhEvent*).

Ownership. Each object owns one handle and destroys it once: on close(),
leaving a `with` block, or garbage collection (fhStreamDestroy waits for the
stream's work first). After close() every method raises ReleasedError, and
the handle never reaches the C library again.

A stream holds the Python objects its queued work uses (buffers, host arrays,
kernel argument buffers) until it is known to have finished them: after
synchronize(), a query() that returns True, close(), or the device's
synchronize(). A launch failure reported by synchronize() still means the
work has finished, so the holds are dropped then too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from ._enums import Status
from ._errors import ReleasedError
from ._library import Library, release_on_collect

if TYPE_CHECKING:
    from ._device import Device

FH_EVENT_DISABLE_TIMING = 1


def _destroy(library: Library, function: str, handle: Any) -> int:
    return int(getattr(library.lib, function)(handle))


_Self = TypeVar("_Self", bound="_Handle")


class _Handle:
    """A handle destroyed once, by close() or on garbage collection."""

    _kind = ""
    _destroy_function = ""

    def __init__(self, device: Device, handle: Any) -> None:
        self._device = device
        self._handle = handle
        self._finalizer = release_on_collect(self, _destroy, device._library, self._destroy_function, handle)

    @property
    def device(self) -> Device:
        """The device the object belongs to."""
        return self._device

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive

    def _live(self) -> Any:
        if not self._finalizer.alive:
            raise ReleasedError(f"{self!r} was closed")
        return self._handle

    def close(self) -> None:
        """Destroys the handle now (a no-op when already closed)."""
        detached = self._finalizer.detach()
        if detached is not None:
            _, destroy, args, _ = detached
            self._device._library.check(self._destroy_function, destroy(*args))

    def __enter__(self: _Self) -> _Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = " (closed)" if self.closed else ""
        return f"<flaghal.{self._kind} on device {self._device.ordinal}{state}>"


class Stream(_Handle):
    """An in-order queue of work on one device. Create with Device.stream()."""

    _kind = "Stream"
    _destroy_function = "fhStreamDestroy"

    def __init__(self, device: Device) -> None:
        library = device._library
        out = library.ffi.new("fh_stream_t *")
        library.call("fhStreamCreate", device._handle, 0, out)
        super().__init__(device, out[0])
        self._held: list[Any] = []
        device._streams.add(self)

    def _hold(self, *objects: Any) -> None:
        from ._memory import _Memory

        for obj in objects:
            if obj is None:
                continue
            self._held.append(obj)
            if isinstance(obj, _Memory):
                obj._streams.add(self)

    def _release_holds(self) -> None:
        from ._memory import _Memory

        held, self._held = self._held, []
        for obj in held:
            if isinstance(obj, _Memory):
                obj._streams.discard(self)

    def synchronize(self) -> None:
        """Blocks until the stream's work has completed (fhStreamSynchronize);
        raises LaunchFailedError once for a kernel that failed."""
        library = self._device._library
        status = library.lib.fhStreamSynchronize(self._live())
        if status in (Status.SUCCESS, Status.LAUNCH_FAILED):
            self._release_holds()
        library.check("fhStreamSynchronize", status)

    def query(self) -> bool:
        """True when all queued work has completed (fhStreamQuery); never blocks."""
        library = self._device._library
        status = library.lib.fhStreamQuery(self._live())
        if status == Status.NOT_READY:
            return False
        library.check("fhStreamQuery", status)
        self._release_holds()
        return True

    def launch_host_func(self, fn: Callable[[], object]) -> None:
        """Queues fn() on the stream (fhLaunchHostFunc; FH_DEVICE_CAP_HOST_FUNC):
        it runs on a thread of the plugin once earlier work has completed, and
        later work waits for it. fn must not call flaghal (flaghal.h: it may
        deadlock). An exception fn raises is printed to stderr by cffi and does
        not stop the stream."""
        if not callable(fn):
            raise TypeError(f"launch_host_func takes a callable, not {type(fn).__name__}")
        library = self._device._library
        callback = library.ffi.callback("void(void *)", lambda _user_data: fn())
        library.call("fhLaunchHostFunc", self._live(), callback, library.ffi.NULL)
        self._hold(callback)

    def wait_event(self, event: Event) -> None:
        """Makes later work on this stream wait for event's latest record (fhStreamWaitEvent)."""
        self._device._library.call("fhStreamWaitEvent", self._live(), _event_handle(event))

    def record(self, event: Event | None = None) -> Event:
        """Records event (a new timing event when None) at the stream's current end; returns it."""
        event = Event(self._device) if event is None else event
        event.record(self)
        return event

    def close(self) -> None:
        """Waits for the stream's work, then destroys it (fhStreamDestroy)."""
        try:
            super().close()
        finally:
            self._release_holds()


def _event_handle(event: Any) -> Any:
    if not isinstance(event, Event):
        raise TypeError(f"expected a flaghal.Event, not {type(event).__name__}")
    return event._live()


def stream_handle(stream: Any) -> Any:
    """The live handle of a Stream argument; TypeError for anything else."""
    if not isinstance(stream, Stream):
        raise TypeError(f"expected a flaghal.Stream, not {type(stream).__name__}")
    return stream._live()


class Event(_Handle):
    """A point in a stream's work, for ordering and timing. Create with
    Device.event() or Stream.record()."""

    _kind = "Event"
    _destroy_function = "fhEventDestroy"

    def __init__(self, device: Device, *, timing: bool = True) -> None:
        library = device._library
        out = library.ffi.new("fh_event_t *")
        library.call("fhEventCreate", device._handle, 0 if timing else FH_EVENT_DISABLE_TIMING, out)
        super().__init__(device, out[0])
        self.timing = timing

    def record(self, stream: Stream) -> None:
        """Records the event at the end of stream's queued work (fhEventRecord)."""
        self._device._library.call("fhEventRecord", self._live(), stream_handle(stream))

    def synchronize(self) -> None:
        """Blocks until the work before the latest record has completed (fhEventSynchronize)."""
        self._device._library.call("fhEventSynchronize", self._live())

    def query(self) -> bool:
        """True when the latest record has completed, or there is none (fhEventQuery)."""
        library = self._device._library
        status = library.lib.fhEventQuery(self._live())
        if status == Status.NOT_READY:
            return False
        library.check("fhEventQuery", status)
        return True

    def elapsed_time(self, end: Event) -> float:
        """Milliseconds from this event's record to end's (fhEventElapsedTime);
        both must have completed (NotReadyError otherwise)."""
        library = self._device._library
        ms = library.ffi.new("float *")
        library.call("fhEventElapsedTime", ms, self._live(), _event_handle(end))
        return float(ms[0])
