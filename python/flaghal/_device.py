"""Devices, plugins and the loader's version.

Devices are owned by the loader and valid until the process exits, so a
Device has no close(): flaghal.devices() returns the same Device object for
an ordinal every time, and `a is b` compares devices.
"""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING, Any

from ._enums import Capability, ModuleFormat, Status
from ._library import Library, library
from ._properties import DeviceProperties, PluginInfo, unpack_version

if TYPE_CHECKING:
    from ._memory import Buffer, HostBuffer
    from ._module import Module, ModuleImage
    from ._stream import Event, Stream


class Device:
    """One FlagHAL device (fh_device_t). Get it from flaghal.devices() or flaghal.device(ordinal)."""

    def __init__(self, lib: Library, ordinal: int, handle: Any) -> None:
        self._library = lib
        self._handle = handle
        self.ordinal = ordinal
        self._streams: weakref.WeakSet[Stream] = weakref.WeakSet()
        props = lib.ffi.new("fh_device_properties_t *")
        props.struct_size = lib.ffi.sizeof("fh_device_properties_t")
        lib.call("fhDeviceGetProperties", handle, props)
        self.properties = DeviceProperties.from_c(lib.ffi, props)

    @property
    def name(self) -> str:
        return self.properties.name

    @property
    def capabilities(self) -> Capability:
        return self.properties.capabilities

    def __repr__(self) -> str:
        return f"<flaghal.Device {self.ordinal}: {self.properties.name!r} ({self.properties.plugin_name})>"

    def synchronize(self) -> None:
        """Blocks until every stream of the device has finished its work (fhDeviceSynchronize)."""
        status = self._library.lib.fhDeviceSynchronize(self._handle)
        if status in (Status.SUCCESS, Status.LAUNCH_FAILED):  # either way the work has finished
            for stream in list(self._streams):
                stream._release_holds()
        self._library.check("fhDeviceSynchronize", status)

    def mem_info(self) -> tuple[int, int]:
        """(free, total) device memory in bytes (fhMemGetInfo)."""
        free = self._library.ffi.new("size_t *")
        total = self._library.ffi.new("size_t *")
        self._library.call("fhMemGetInfo", self._handle, free, total)
        return int(free[0]), int(total[0])

    def alloc(self, nbytes: int) -> Buffer:
        """nbytes of device memory (fhMemAlloc), contents undefined."""
        from ._memory import Buffer

        return Buffer(self, nbytes)

    def alloc_host(self, nbytes: int) -> HostBuffer:
        """nbytes of pinned host memory (fhMemAllocHost), zeroed."""
        from ._memory import HostBuffer

        return HostBuffer(self, nbytes)

    def stream(self) -> Stream:
        """A new stream (fhStreamCreate)."""
        from ._stream import Stream

        return Stream(self)

    def event(self, *, timing: bool = True) -> Event:
        """A new event (fhEventCreate); timing=False makes it cheaper and unable to time."""
        from ._stream import Event

        return Event(self, timing=timing)

    def load_module(self, image: ModuleImage, format: ModuleFormat | int = ModuleFormat.BUNDLE) -> Module:
        """Loads module bytes (or the file at a path) in format; a bundle
        (flaghal-kernel's .fhbundle, the default) loads on every device."""
        from ._module import Module

        return Module(self, image, format)


_devices_lock = threading.Lock()
_devices: list[Device] | None = None


def devices() -> list[Device]:
    """Every visible device, in the loader's order (docs/loader.md)."""
    global _devices
    with _devices_lock:
        if _devices is None:
            lib = library()
            count = lib.ffi.new("uint32_t *")
            lib.call("fhDeviceGetCount", count)
            found = []
            for ordinal in range(count[0]):
                handle = lib.ffi.new("fh_device_t *")
                lib.call("fhDeviceGet", ordinal, handle)
                found.append(Device(lib, ordinal, handle[0]))
            _devices = found
        return list(_devices)


def device(ordinal: int = 0) -> Device:
    """The device at ordinal; IndexError names how many there are."""
    found = devices()
    if not 0 <= ordinal < len(found):
        raise IndexError(f"device ordinal {ordinal} is out of range: {len(found)} device(s) visible")
    return found[ordinal]


def plugins() -> list[PluginInfo]:
    """Every plugin the loader discovered, loaded or skipped (with the reason)."""
    lib = library()
    count = lib.ffi.new("uint32_t *")
    lib.call("fhPluginGetCount", count)
    result = []
    for index in range(count[0]):
        info = lib.ffi.new("fh_plugin_info_t *")
        info.struct_size = lib.ffi.sizeof("fh_plugin_info_t")
        lib.call("fhPluginGetInfo", index, info)
        result.append(PluginInfo.from_c(lib.ffi, info))
    return result


def api_version() -> tuple[int, int, int]:
    """The API version the loaded libflaghal.so implements (fhGetVersion)."""
    lib = library()
    version = lib.ffi.new("uint32_t *")
    lib.call("fhGetVersion", version)
    return unpack_version(version[0])


def library_path() -> str:
    """What was loaded: a path, or the SONAME when the system loader found it."""
    return library().path
