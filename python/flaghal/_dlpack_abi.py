"""The DLPack C ABI (dlpack.h, versions 0.x and 1.x) as ctypes structs, and
numpy dtypes as DLDataType codes. Pure definitions and mapping.

Only what an exporter of host memory needs: the device is always kDLCPU,
strides are NULL (compact row-major), flags 0 (writable, not a copy).
"""

from __future__ import annotations

import ctypes
from typing import Any

import numpy as np

KDL_CPU = 1
"""DLDeviceType kDLCPU: memory the host addresses directly."""

DLPACK_VERSION = (1, 0)
"""The DLPackVersion of the versioned tensors exported (the 1.0 struct layout)."""

LEGACY_NAME = b"dltensor"
VERSIONED_NAME = b"dltensor_versioned"
USED_LEGACY_NAME = b"used_dltensor"
USED_VERSIONED_NAME = b"used_dltensor_versioned"

# DLDataTypeCode: kDLInt 0, kDLUInt 1, kDLFloat 2, kDLBfloat 4, kDLComplex 5, kDLBool 6.
_TYPE_CODES = {"i": 0, "u": 1, "f": 2, "c": 5, "b": 6}


class DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]


class DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class DLTensor(ctypes.Structure):
    _fields_ = [
        ("data", ctypes.c_void_p),
        ("device", DLDevice),
        ("ndim", ctypes.c_int32),
        ("dtype", DLDataType),
        ("shape", ctypes.POINTER(ctypes.c_int64)),
        ("strides", ctypes.POINTER(ctypes.c_int64)),
        ("byte_offset", ctypes.c_uint64),
    ]


class DLManagedTensor(ctypes.Structure):
    """DLPack 0.x: the tensor first, then manager_ctx and the deleter."""

    _fields_ = [("dl_tensor", DLTensor), ("manager_ctx", ctypes.c_void_p), ("deleter", ctypes.c_void_p)]


class DLPackVersion(ctypes.Structure):
    _fields_ = [("major", ctypes.c_uint32), ("minor", ctypes.c_uint32)]


class DLManagedTensorVersioned(ctypes.Structure):
    """DLPack 1.x: the version first, the tensor last."""

    _fields_ = [
        ("version", DLPackVersion),
        ("manager_ctx", ctypes.c_void_p),
        ("deleter", ctypes.c_void_p),
        ("flags", ctypes.c_uint64),
        ("dl_tensor", DLTensor),
    ]


def data_type(dtype: np.dtype[Any]) -> tuple[int, int]:
    """(DLDataType code, bits) of a numpy dtype; TypeError for one DLPack cannot express."""
    code = _TYPE_CODES.get(dtype.kind)
    if code is None or (dtype.byteorder not in "=|" and dtype.itemsize > 1):
        raise TypeError(f"DLPack has no type for numpy dtype {dtype}")
    return code, dtype.itemsize * 8
