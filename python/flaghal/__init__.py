"""flaghal: the FlagHAL application API (include/flaghal/flaghal.h) for Python.

    import numpy as np, flaghal

    dev = flaghal.devices()[0]
    with dev.alloc(4096) as buf, dev.stream() as stream:
        buf.copy_from(np.arange(1024, dtype=np.float32))
        module = dev.load_module("kernels.fhbundle")           # built by flaghal-kernel
        module["scale"].launch(stream, grid=4, block=256, args=flaghal.Args().ptr(buf).ptr(buf).f32(2.0).u32(1024))
        stream.synchronize()
        print(buf.to_numpy(np.float32)[:4])

libflaghal.so is found through $FLAGHAL_LIBRARY, then the install prefix the
package was installed into, then the system loader path (python/README.md).
Every failed call raises a StatusError subclass carrying the status name and
the loader's detail message.
"""

from ._args import Args
from ._device import Device, api_version, device, devices, library_path, plugins
from ._dlpack import View
from ._enums import Capability, DeviceType, FunctionAttribute, ModuleFormat, PluginSkipReason, PluginStatus, Status
from ._errors import (
    DeviceLostError,
    DeviceMismatchError,
    FlagHALError,
    InvalidAddressError,
    InvalidConfigurationError,
    InvalidDeviceError,
    InvalidHandleError,
    InvalidImageError,
    InvalidValueError,
    LaunchFailedError,
    LibraryNotFoundError,
    NotFoundError,
    NotInitializedError,
    NotReadyError,
    NotSupportedError,
    OutOfMemoryError,
    PanicError,
    ReleasedError,
    StatusError,
    UnknownError,
)
from ._memory import Buffer, HostBuffer
from ._module import Function, Module
from ._properties import DeviceProperties, PluginInfo
from ._stream import Event, Stream

__version__ = "0.1.0"

__all__ = [
    "Args",
    "Buffer",
    "Capability",
    "Device",
    "DeviceLostError",
    "DeviceMismatchError",
    "DeviceProperties",
    "DeviceType",
    "Event",
    "FlagHALError",
    "Function",
    "FunctionAttribute",
    "HostBuffer",
    "InvalidAddressError",
    "InvalidConfigurationError",
    "InvalidDeviceError",
    "InvalidHandleError",
    "InvalidImageError",
    "InvalidValueError",
    "LaunchFailedError",
    "LibraryNotFoundError",
    "Module",
    "ModuleFormat",
    "NotFoundError",
    "NotInitializedError",
    "NotReadyError",
    "NotSupportedError",
    "OutOfMemoryError",
    "PanicError",
    "PluginInfo",
    "PluginSkipReason",
    "PluginStatus",
    "ReleasedError",
    "Status",
    "StatusError",
    "Stream",
    "UnknownError",
    "View",
    "api_version",
    "device",
    "devices",
    "library_path",
    "plugins",
]
