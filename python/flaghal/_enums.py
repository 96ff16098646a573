"""The enumerations and flags of flaghal.h as Python enums.

Written out (not built at run time from the cffi declarations) so that type
checkers see every member; python/tests/test_header_drift.py checks each value
against include/flaghal/flaghal.h. Values are stable forever, as the header's.
Pure definitions.
"""

from __future__ import annotations

import enum


class Status(enum.IntEnum):
    """fh_status_t: FH_SUCCESS or an FH_ERROR_* code."""

    __str__ = enum.Enum.__str__  # "DeviceType.CPU", not "2"

    SUCCESS = 0
    INVALID_VALUE = 1
    OUT_OF_MEMORY = 2
    NOT_INITIALIZED = 3
    INVALID_DEVICE = 4
    INVALID_HANDLE = 5
    NOT_FOUND = 6
    NOT_READY = 7
    NOT_SUPPORTED = 8
    INVALID_IMAGE = 9
    INVALID_ADDRESS = 10
    INVALID_CONFIGURATION = 11
    LAUNCH_FAILED = 12
    DEVICE_LOST = 13
    PANIC = 14
    UNKNOWN = 15


class DeviceType(enum.IntEnum):
    """fh_device_type_t."""

    __str__ = enum.Enum.__str__  # "DeviceType.CPU", not "2"

    OTHER = 0
    GPU = 1
    CPU = 2
    NPU = 3


class ModuleFormat(enum.IntEnum):
    """fh_module_format_t: the formats of module bytes (docs/kernels.md)."""

    __str__ = enum.Enum.__str__  # "DeviceType.CPU", not "2"

    INVALID = 0
    SPIRV = 1
    PTX = 2
    NATIVE_CPU = 3
    OPENCL_C = 4
    OPENCL_SPIRV = 5
    CUBIN = 6
    BUNDLE = 7
    VENDOR_BEGIN = 0x10000


class Capability(enum.IntFlag):
    """FH_DEVICE_CAP_* flags of fh_device_properties_t.capabilities."""

    __str__ = enum.Flag.__str__  # "Capability.EVENT_TIMING|HOST_FUNC", not "3"

    EVENT_TIMING = 1 << 0
    HOST_FUNC = 1 << 1
    PINNED_HOST_MEMORY = 1 << 2
    ATOMIC_INT64 = 1 << 3
    ATOMIC_FLOAT32 = 1 << 4
    FLOAT64 = 1 << 5
    HOST_ACCESSIBLE_MEMORY = 1 << 6
    ADDRESS_CHECKS = 1 << 7
    FLOAT16 = 1 << 8
    INT8 = 1 << 9
    INT16 = 1 << 10
    INT8_DOT_PRODUCT = 1 << 11
    SUBGROUP_ARITHMETIC = 1 << 12
    SUBGROUP_SHUFFLE = 1 << 13


class FunctionAttribute(enum.IntEnum):
    """fh_function_attribute_t."""

    __str__ = enum.Enum.__str__  # "DeviceType.CPU", not "2"

    MAX_THREADS_PER_BLOCK = 0
    SHARED_SIZE_BYTES = 1
    MAX_DYNAMIC_SHARED_SIZE_BYTES = 2
    NUM_REGS = 3


class PluginStatus(enum.IntEnum):
    """fh_plugin_status_t."""

    __str__ = enum.Enum.__str__  # "DeviceType.CPU", not "2"

    LOADED = 0
    SKIPPED = 1


class PluginSkipReason(enum.IntEnum):
    """fh_plugin_skip_reason_t: why the loader skipped a plugin."""

    __str__ = enum.Enum.__str__  # "DeviceType.CPU", not "2"

    NONE = 0
    MANIFEST_UNREADABLE = 1
    MANIFEST_INVALID = 2
    WRONG_ARCH = 3
    OPEN_FAILED = 4
    NO_ENTRY_POINT = 5
    VERSION_MISMATCH = 6
    VERSION_TOO_OLD = 7
    NEGOTIATION_FAILED = 8
    TABLE_TOO_SMALL = 9
    MISSING_REQUIRED_ENTRY = 10
    INIT_FAILED = 11
    INIT_PANICKED = 12
    DEVICE_QUERY_FAILED = 13
    CAPABILITY_MISMATCH = 14
    DISABLED = 15
    DUPLICATE = 16


def enum_or_int(kind: type[enum.IntEnum], value: int) -> int:
    """kind(value) when kind has that member, else value itself: a newer
    loader may report values this package does not know yet."""
    try:
        return kind(value)
    except ValueError:
        return value
