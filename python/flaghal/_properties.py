"""fh_device_properties_t and fh_plugin_info_t as frozen dataclasses.

Pure mapping from the cffi structs the loader filled to Python values: C
strings become str, fixed arrays tuples, enums and flags the enums of
_enums.py (a value a newer loader reports that this package does not know
stays an int).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._enums import Capability, DeviceType, ModuleFormat, PluginSkipReason, PluginStatus, enum_or_int


def _text(ffi: Any, chars: Any) -> str:
    return str(ffi.string(chars).decode("utf-8", "replace"))


@dataclass(frozen=True)
class DeviceProperties:
    """A device's properties (flaghal.h, fh_device_properties_t)."""

    name: str
    vendor: str
    plugin_name: str
    type: DeviceType | int
    uuid: bytes
    total_memory: int
    compute_units: int
    max_threads_per_block: int
    max_block_dim: tuple[int, int, int]
    max_grid_dim: tuple[int, int, int]
    subgroup_size: int
    max_shared_memory_per_block: int
    max_kernel_args_size: int
    memory_alignment: int
    module_formats: tuple[ModuleFormat | int, ...]
    capabilities: Capability
    plugin_device_index: int

    @classmethod
    def from_c(cls, ffi: Any, p: Any) -> DeviceProperties:
        """From a filled fh_device_properties_t."""
        count = min(p.module_format_count, len(p.module_formats))
        return cls(
            name=_text(ffi, p.name),
            vendor=_text(ffi, p.vendor),
            plugin_name=_text(ffi, p.plugin_name),
            type=enum_or_int(DeviceType, p.type),
            uuid=bytes(ffi.buffer(p.uuid)),
            total_memory=p.total_memory,
            compute_units=p.compute_units,
            max_threads_per_block=p.max_threads_per_block,
            max_block_dim=(p.max_block_dim[0], p.max_block_dim[1], p.max_block_dim[2]),
            max_grid_dim=(p.max_grid_dim[0], p.max_grid_dim[1], p.max_grid_dim[2]),
            subgroup_size=p.subgroup_size,
            max_shared_memory_per_block=p.max_shared_memory_per_block,
            max_kernel_args_size=p.max_kernel_args_size,
            memory_alignment=p.memory_alignment,
            module_formats=tuple(enum_or_int(ModuleFormat, p.module_formats[i]) for i in range(count)),
            capabilities=Capability(p.capabilities),
            plugin_device_index=p.plugin_device_index,
        )


@dataclass(frozen=True)
class PluginInfo:
    """One plugin the loader discovered, loaded or skipped (fh_plugin_info_t)."""

    name: str
    vendor: str
    version: str
    library_path: str
    manifest_path: str
    abi_version: tuple[int, int, int]
    status: PluginStatus | int
    skip_reason: PluginSkipReason | int
    skip_detail: str
    device_count: int

    @classmethod
    def from_c(cls, ffi: Any, p: Any) -> PluginInfo:
        """From a filled fh_plugin_info_t."""
        return cls(
            name=_text(ffi, p.name),
            vendor=_text(ffi, p.vendor),
            version=_text(ffi, p.version),
            library_path=_text(ffi, p.library_path),
            manifest_path=_text(ffi, p.manifest_path),
            abi_version=unpack_version(p.abi_version),
            status=enum_or_int(PluginStatus, p.status),
            skip_reason=enum_or_int(PluginSkipReason, p.skip_reason),
            skip_detail=_text(ffi, p.skip_detail),
            device_count=p.device_count,
        )


def unpack_version(version: int) -> tuple[int, int, int]:
    """FH_VERSION_MAJOR/MINOR/PATCH of a packed version."""
    return (version >> 22, (version >> 12) & 0x3FF, version & 0xFFF)
