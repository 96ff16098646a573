"""Module (fhModuleLoadData / fhModuleUnload) and Function (a kernel, fhLaunchKernel).

A Module owns its handle like a Stream does (close(), `with`, or garbage
collection unloads it). A Function keeps its Module alive, and raises
ReleasedError once the module is closed: flaghal.h makes every function
handle of an unloaded module invalid, so none is ever passed on. Launches
already queued keep their code alive in the loader; they may outlive close().
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from ._args import Args
from ._enums import FunctionAttribute, ModuleFormat
from ._errors import DeviceMismatchError
from ._host import c_contiguous_view, index
from ._stream import Stream, _Handle, stream_handle

if TYPE_CHECKING:
    from ._device import Device

Dim = int | tuple[int] | tuple[int, int] | tuple[int, int, int]
ModuleImage = bytes | bytearray | memoryview | str | os.PathLike[str]


def dim3(value: Any, what: str) -> tuple[int, int, int]:
    """An int or a tuple of 1 to 3 ints as (x, y, z), missing ones 1."""
    dims = value if isinstance(value, tuple) else (value,)
    if not 1 <= len(dims) <= 3:
        raise ValueError(f"{what} must be an int or a tuple of 1 to 3 ints, not {value!r}")
    out = [index(d, what) for d in dims] + [1] * (3 - len(dims))
    if any(d >= 1 << 32 for d in out):
        raise ValueError(f"{what} {value!r} has a dimension above 2**32 - 1")
    return out[0], out[1], out[2]


def _image_bytes(image: Any) -> memoryview:
    if isinstance(image, (str, os.PathLike)):
        with open(image, "rb") as file:
            return memoryview(file.read())
    return c_contiguous_view(image, "module image", writable=False)


class Module(_Handle):
    """Device code loaded on one device. Create with Device.load_module(image, format)."""

    _kind = "Module"
    _destroy_function = "fhModuleUnload"

    def __init__(self, device: Device, image: ModuleImage, format: ModuleFormat | int = ModuleFormat.BUNDLE) -> None:
        library = device._library
        data = _image_bytes(image)
        out = library.ffi.new("fh_module_t *")
        source = library.ffi.from_buffer("char[]", data) if data.nbytes else library.ffi.NULL
        library.call("fhModuleLoadData", device._handle, int(format), source, data.nbytes, out)
        super().__init__(device, out[0])
        self.format = format

    def function(self, name: str) -> Function:
        """The kernel called name (fhModuleGetFunction; NotFoundError if there
        is none). Not cached: a Function refers to its Module, and a cache
        would make a reference cycle that only the cycle collector frees."""
        return Function(self, name)

    __getitem__ = function


class Function:
    """A kernel of a Module."""

    def __init__(self, module: Module, name: str) -> None:
        library = module.device._library
        out = library.ffi.new("fh_function_t *")
        library.call("fhModuleGetFunction", module._live(), name.encode("utf-8"), out)
        self.module = module
        self.name = name
        self._handle = out[0]

    @property
    def device(self) -> Device:
        return self.module.device

    def _live(self) -> Any:
        self.module._live()
        return self._handle

    def attribute(self, attribute: FunctionAttribute | int) -> int:
        """fhFunctionGetAttribute."""
        library = self.device._library
        value = library.ffi.new("int32_t *")
        library.call("fhFunctionGetAttribute", value, int(attribute), self._live())
        return int(value[0])

    @property
    def max_threads_per_block(self) -> int:
        return self.attribute(FunctionAttribute.MAX_THREADS_PER_BLOCK)

    def launch(
        self,
        stream: Stream,
        grid: Dim,
        block: Dim,
        args: Args | bytes | bytearray | memoryview = b"",
        *,
        shared_mem: int = 0,
    ) -> None:
        """Queues the kernel on stream over grid blocks of block threads
        (fhLaunchKernel) with the argument blob args (an Args, or its bytes)
        and shared_mem bytes of dynamic shared memory. The Buffers an Args
        names must be live and on the kernel's device; they are kept alive
        until the stream has run the kernel."""
        handle = stream_handle(stream)
        grid3, block3 = dim3(grid, "grid"), dim3(block, "block")
        shared = index(shared_mem, "shared_mem")
        buffers: tuple[Any, ...] = ()
        if isinstance(args, Args):
            buffers = args.buffers
            for buffer in buffers:
                buffer._live()
                if buffer.device is not self.device:
                    raise DeviceMismatchError(f"argument {buffer!r} is not on {self.device!r}, the kernel's device")
            blob = memoryview(bytes(args))
        else:
            blob = c_contiguous_view(args, "kernel arguments", writable=False)
        library = self.device._library
        pointer = library.ffi.from_buffer("char[]", blob) if blob.nbytes else library.ffi.NULL
        library.call("fhLaunchKernel", self._live(), *grid3, *block3, shared, handle, pointer, blob.nbytes)
        stream._hold(*buffers)

    def __repr__(self) -> str:
        return f"<flaghal.Function {self.name!r} on device {self.device.ordinal}>"
