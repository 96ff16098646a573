"""Buffer (device memory, fhMemAlloc) and HostBuffer (pinned host memory,
fhMemAllocHost): ownership, copies, memsets, numpy and DLPack.

Ownership. Each object owns one allocation and frees it exactly once: on
free() / close() / leaving a `with` block (deterministic; the status of the
free call is checked and raised), or, for an object that was never freed,
when it is garbage-collected (status ignored). After that the object is
"released": every method except free() (a no-op) raises ReleasedError before
any C call, so a freed address never reaches a plugin.

Streams. Asynchronous operations (stream=...) keep the buffers and host
objects they use alive on their stream until the stream is known to have
finished them (Stream.synchronize / query / close, Device.synchronize), so
garbage collection never frees memory that queued work still uses; free()
first synchronises every stream that still holds the buffer (flaghal.h
leaves that to the caller; here it is never forgotten).

DLPack. A buffer the host can address (any HostBuffer; a Buffer on a device
with FH_DEVICE_CAP_HOST_ACCESSIBLE_MEMORY, such as the CPU plugin's) exports
itself through __dlpack__, so numpy.from_dlpack shares its memory. While any
export is alive, free() raises BufferError instead of leaving the consumer's
array dangling.
"""

from __future__ import annotations

import ctypes
import weakref
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import numpy.typing as npt

from . import _dlpack
from ._enums import Capability
from ._errors import DeviceMismatchError, ReleasedError
from ._host import Shape, c_contiguous_view, check_range, element_type, index, shape_for
from ._library import Library, release_on_collect
from ._stream import Stream, stream_handle

if TYPE_CHECKING:
    from ._device import Device


def _free_device(library: Library, device: Any, address: int) -> int:
    return int(library.lib.fhMemFree(device, address))


def _free_host(library: Library, device: Any, pointer: Any) -> int:
    return int(library.lib.fhMemFreeHost(device, pointer))


_Self = TypeVar("_Self", bound="_Memory")


class _Memory:
    """What Buffer and HostBuffer share: lifetime, exports, stream holds."""

    _free_function = ""

    def __init__(self, device: Device, nbytes: int, address: int, finalizer: weakref.finalize[Any, Any]) -> None:
        self._device = device
        self._nbytes = nbytes
        self._address = address
        self._finalizer = finalizer
        self._exports = 0
        self._streams: weakref.WeakSet[Stream] = weakref.WeakSet()

    @property
    def device(self) -> Device:
        """The device the memory was allocated on."""
        return self._device

    @property
    def nbytes(self) -> int:
        """Size in bytes."""
        return self._nbytes

    @property
    def closed(self) -> bool:
        """True once freed."""
        return not self._finalizer.alive

    @property
    def address(self) -> int:
        """The address: a device address (fh_deviceptr_t) for a Buffer, a host pointer for a HostBuffer."""
        return self._live()

    def _live(self) -> int:
        if not self._finalizer.alive:
            raise ReleasedError(f"{self!r} was freed")
        return self._address

    def free(self) -> None:
        """Frees the memory now (a no-op when already freed). Synchronises the
        streams that still hold it first; raises BufferError while a DLPack
        export of it is alive."""
        if not self._finalizer.alive:
            return
        if self._exports:
            raise BufferError(f"{self!r} has {self._exports} live DLPack export(s); delete them before freeing it")
        for stream in list(self._streams):
            stream.synchronize()
        detached = self._finalizer.detach()
        if detached is not None:
            _, release, args, _ = detached
            library = args[0]
            library.check(self._free_function, release(*args))

    close = free

    def __enter__(self: _Self) -> _Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.free()

    def __len__(self) -> int:
        return self._nbytes

    def _host_accessible(self) -> bool:
        raise NotImplementedError

    def _check_stream(self, stream: Stream | None) -> None:
        if stream is None:
            return
        stream_handle(stream)
        if stream.device is not self._device:
            raise DeviceMismatchError(f"{stream!r} belongs to {stream.device!r}, not to {self!r}'s device")

    def _new_array(self, dtype: npt.DTypeLike, shape: Shape, offset: int) -> tuple[np.ndarray[Any, Any], int]:
        """An empty array for to_numpy, checked to fit from offset on; and that offset."""
        kind = element_type(dtype)
        start = check_range(offset, 0, self._nbytes, "to_numpy")
        return np.empty(shape_for(kind, shape, self._nbytes - start), dtype=kind), start

    def view(self, dtype: npt.DTypeLike = np.uint8, shape: Shape = None, offset: int = 0) -> _dlpack.View:
        """A typed DLPack view of the memory (numpy.from_dlpack(buf.view("float32", (4, 4))))."""
        kind = element_type(dtype)
        start = check_range(offset, 0, self._nbytes, "view")
        dims = shape_for(kind, shape, self._nbytes - start)
        return _dlpack.View(self, kind, dims, start)

    def __dlpack__(
        self,
        *,
        stream: Any = None,
        max_version: tuple[int, int] | None = None,
        dl_device: tuple[int, int] | None = None,
        copy: bool | None = None,
    ) -> Any:
        """The whole memory as a 1-D uint8 DLPack tensor (host-accessible memory only)."""
        return self.view().__dlpack__(stream=stream, max_version=max_version, dl_device=dl_device, copy=copy)

    def __dlpack_device__(self) -> tuple[int, int]:
        """(kDLCPU, 0) for host-accessible memory; BufferError otherwise."""
        return self.view().__dlpack_device__()


class Buffer(_Memory):
    """Device memory from fhMemAlloc. Create with Device.alloc(nbytes)."""

    _free_function = "fhMemFree"

    def __init__(self, device: Device, nbytes: int) -> None:
        size = index(nbytes, "nbytes")
        library = device._library
        out = library.ffi.new("fh_deviceptr_t *")
        library.call("fhMemAlloc", device._handle, size, out)
        address = int(out[0])
        super().__init__(
            device, size, address, release_on_collect(self, _free_device, library, device._handle, address)
        )

    def _host_accessible(self) -> bool:
        return Capability.HOST_ACCESSIBLE_MEMORY in self._device.properties.capabilities

    def __repr__(self) -> str:
        state = "freed" if self.closed else f"0x{self._address:x}"
        return f"<flaghal.Buffer {self._nbytes} bytes at {state} on device {self._device.ordinal}>"

    def _submit(self, function: str, args: tuple[Any, ...], stream: Stream | None, *keep: Any) -> None:
        """function(device, *args), or, with stream, functionAsync(*args, stream)
        (every copy and memset pairs that way), holding self and keep on the
        stream until it has run."""
        library = self._device._library
        if stream is None:
            library.call(function, self._device._handle, *args)
        else:
            library.call(function + "Async", *args, stream_handle(stream))
            stream._hold(self, *keep)

    def copy_from(self, src: Any, *, offset: int = 0, stream: Stream | None = None) -> None:
        """Copies all of src into this buffer at offset: from host memory (a
        numpy array or bytes-like object, C-contiguous; a HostBuffer) with
        fhMemcpyHtoD, or from another Buffer of the same device with
        fhMemcpyDtoD. With stream, queues the copy (fhMemcpy*Async) and keeps
        src alive on the stream until it has run."""
        self._check_stream(stream)
        library = self._device._library
        if isinstance(src, Buffer):
            if src.device is not self._device:
                raise DeviceMismatchError(f"{src!r} is on another device than {self!r}; copy through the host")
            start = check_range(offset, src.nbytes, self._nbytes, "copy_from")
            self._submit("fhMemcpyDtoD", (self._live() + start, src._live(), src.nbytes), stream, src)
            return
        pointer, size, keep = host_pointer(library, src, "copy_from source", writable=False)
        start = check_range(offset, size, self._nbytes, "copy_from")
        dst = self._live() + start
        if size:
            self._submit("fhMemcpyHtoD", (dst, pointer, size), stream, keep)

    def copy_to(self, dst: Any, *, offset: int = 0, stream: Stream | None = None) -> None:
        """Copies bytes from this buffer at offset into dst (a writable,
        C-contiguous numpy array or bytes-like object, or a HostBuffer),
        filling all of dst (fhMemcpyDtoH); a Buffer dst is filled with
        Buffer.copy_from. With stream, queues the copy: dst is written when
        the stream reaches it."""
        if isinstance(dst, Buffer):
            raise TypeError("copy_to writes host memory; copy into a Buffer with dst.copy_from(src_buffer)")
        self._check_stream(stream)
        library = self._device._library
        pointer, size, keep = host_pointer(library, dst, "copy_to destination", writable=True)
        start = check_range(offset, size, self._nbytes, "copy_to")
        source = self._live() + start
        if size:
            self._submit("fhMemcpyDtoH", (pointer, source, size), stream, keep)

    def to_numpy(
        self, dtype: npt.DTypeLike = np.uint8, shape: Shape = None, *, offset: int = 0, stream: Stream | None = None
    ) -> np.ndarray[Any, Any]:
        """A new numpy array of dtype and shape (default: every byte from
        offset on, which must be a whole number of elements) copied from the
        buffer. With stream, the copy is queued: read the array after the
        stream has been synchronised."""
        array, start = self._new_array(dtype, shape, offset)
        self.copy_to(array, offset=start, stream=stream)
        return array

    def memset(
        self,
        value: int,
        *,
        width: int = 1,
        offset: int = 0,
        count: int | None = None,
        stream: Stream | None = None,
    ) -> None:
        """Sets count elements of width bytes (1, 2 or 4: fhMemsetD8/D16/D32)
        from offset to value (an unsigned integer of that width); count
        defaults to as many as fit after offset."""
        if width not in (1, 2, 4):
            raise ValueError(f"memset width must be 1, 2 or 4 bytes, not {width!r}")
        bits = index(value, "memset value")
        if bits >= 1 << (8 * width):
            raise ValueError(f"memset value {bits} does not fit in {width} byte(s)")
        start = index(offset, "offset")
        if start % width:
            raise ValueError(f"memset offset {start} is not a multiple of the width {width}")
        n = max(self._nbytes - start, 0) // width if count is None else index(count, "count")
        check_range(start, n * width, self._nbytes, "memset")
        self._check_stream(stream)
        self._submit(f"fhMemsetD{8 * width}", (self._live() + start, bits, n), stream)

    def fill(self, value: Any, dtype: npt.DTypeLike, *, stream: Stream | None = None) -> None:
        """Sets every element of dtype (1, 2 or 4 bytes) to value: memset with
        value's bit pattern (buf.fill(1.5, "float32"))."""
        kind = element_type(dtype)
        if kind.itemsize not in (1, 2, 4):
            raise ValueError(f"fill works on 1-, 2- and 4-byte dtypes, not {kind} ({kind.itemsize} bytes)")
        if self._nbytes % kind.itemsize:
            raise ValueError(f"{self._nbytes} bytes are not a whole number of {kind} elements")
        bits = int(np.array(value, dtype=kind).view(f"u{kind.itemsize}"))
        self.memset(bits, width=kind.itemsize, stream=stream)


class HostBuffer(_Memory):
    """Pinned host memory from fhMemAllocHost (the fastest source and
    destination of device copies). Create with Device.alloc_host(nbytes).
    Zeroed at creation."""

    _free_function = "fhMemFreeHost"

    def __init__(self, device: Device, nbytes: int) -> None:
        size = index(nbytes, "nbytes")
        library = device._library
        out = library.ffi.new("void **")
        library.call("fhMemAllocHost", device._handle, size, out)
        pointer = out[0]
        super().__init__(
            device,
            size,
            int(library.ffi.cast("uintptr_t", pointer)),
            release_on_collect(self, _free_host, library, device._handle, pointer),
        )
        ctypes.memset(self._address, 0, size)

    def _host_accessible(self) -> bool:
        return True

    def __repr__(self) -> str:
        state = "freed" if self.closed else f"0x{self._address:x}"
        return f"<flaghal.HostBuffer {self._nbytes} bytes at {state} for device {self._device.ordinal}>"

    def _pointer(self, offset: int) -> Any:
        return self._device._library.ffi.cast("char *", self._live()) + offset

    def copy_from(self, src: Any, *, offset: int = 0) -> None:
        """Copies all of src (host memory: a numpy array, a bytes-like object
        or another HostBuffer) into this one at offset."""
        library = self._device._library
        pointer, size, _ = host_pointer(library, src, "copy_from source", writable=False)
        start = check_range(offset, size, self._nbytes, "copy_from")
        library.ffi.memmove(self._pointer(start), pointer, size)

    def copy_to(self, dst: Any, *, offset: int = 0) -> None:
        """Fills dst (writable host memory) with bytes from offset on."""
        library = self._device._library
        pointer, size, _ = host_pointer(library, dst, "copy_to destination", writable=True)
        start = check_range(offset, size, self._nbytes, "copy_to")
        library.ffi.memmove(pointer, self._pointer(start), size)

    def to_numpy(
        self, dtype: npt.DTypeLike = np.uint8, shape: Shape = None, *, offset: int = 0
    ) -> np.ndarray[Any, Any]:
        """A new numpy array copied from the memory (see Buffer.to_numpy);
        numpy.from_dlpack(host_buffer) shares it instead."""
        array, start = self._new_array(dtype, shape, offset)
        self.copy_to(array, offset=start)
        return array


def host_pointer(library: Library, obj: Any, what: str, *, writable: bool) -> tuple[Any, int, Any]:
    """(C pointer, byte count, object to keep alive) for host memory: a
    HostBuffer, or a C-contiguous buffer-protocol object (numpy array,
    bytes, bytearray, memoryview)."""
    if isinstance(obj, HostBuffer):
        return library.ffi.cast("void *", obj._live()), obj.nbytes, obj
    if isinstance(obj, Buffer):
        raise TypeError(f"{what} is device memory ({obj!r}); use Buffer.copy_from / copy_to between buffers")
    view = c_contiguous_view(obj, what, writable=writable)
    if view.nbytes == 0:
        return library.ffi.NULL, 0, None
    cdata = library.ffi.from_buffer("char[]", view, require_writable=writable)
    return cdata, view.nbytes, (view, cdata)
