"""DLPack export of host-accessible FlagHAL memory (numpy.from_dlpack shares it).

A View is a typed window (dtype, shape, byte offset) on a Buffer or
HostBuffer; Buffer.__dlpack__ is the whole memory as uint8. __dlpack__
returns a PyCapsule holding a DLManagedTensor (DLPack 0.x, name "dltensor")
or, when the consumer passes max_version >= (1, 0), a
DLManagedTensorVersioned ("dltensor_versioned").

Lifetime. Each export keeps its owner alive and counts in owner._exports
(free() refuses while it is non-zero) until its deleter runs: the consumer
calls it when done (numpy: when the last array using the memory goes), or
the capsule's destructor does when no consumer took it. The managed tensor
and its shape live in one malloc'd block, outside Python's heap, so a
consumer that outlives this module's teardown at interpreter exit still
reads valid memory; the two ctypes callbacks are made immortal (an extra
reference that is never dropped) for the same reason: the C side may call
them at any time until the process ends.

Why ctypes here while the rest of the package uses cffi: creating a
PyCapsule is a call into the CPython API, which needs the GIL held;
ctypes.pythonapi keeps it, cffi's ABI mode releases it around every call.
"""

from __future__ import annotations

import ctypes
import threading
from typing import TYPE_CHECKING, Any

import numpy as np

from ._dlpack_abi import (
    DLPACK_VERSION,
    KDL_CPU,
    LEGACY_NAME,
    VERSIONED_NAME,
    DLManagedTensor,
    DLManagedTensorVersioned,
    DLTensor,
    data_type,
)

if TYPE_CHECKING:
    from ._memory import _Memory

_libc = ctypes.CDLL(None)
_libc.malloc.restype = ctypes.c_void_p
_libc.malloc.argtypes = [ctypes.c_size_t]
_libc.free.restype = None
_libc.free.argtypes = [ctypes.c_void_p]

_api = ctypes.pythonapi
_api.PyCapsule_New.restype = ctypes.py_object
_api.PyCapsule_New.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
# The destructor receives the capsule while its reference count is 0: it is
# handled as a plain address, never as a Python object.
_api.PyCapsule_IsValid.restype = ctypes.c_int
_api.PyCapsule_IsValid.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
_api.PyCapsule_GetPointer.restype = ctypes.c_void_p
_api.PyCapsule_GetPointer.argtypes = [ctypes.c_void_p, ctypes.c_char_p]

# Capsule names must outlive every capsule: module constants in C buffers.
_LEGACY = ctypes.create_string_buffer(LEGACY_NAME)
_VERSIONED = ctypes.create_string_buffer(VERSIONED_NAME)

# Address of a live managed tensor -> its owner. The deleter pops it.
_owners: dict[int, _Memory] = {}
_owners_lock = threading.Lock()

_DELETER_TYPE = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
_DESTRUCTOR_TYPE = ctypes.CFUNCTYPE(None, ctypes.c_void_p)


def _delete(managed: int | None, owners: Any = _owners, lock: Any = _owners_lock, free: Any = _libc.free) -> None:
    # Defaults bind what it needs, so it works during interpreter teardown.
    if not managed:
        return
    with lock:
        owner = owners.pop(managed, None)
    if owner is not None:
        owner._exports -= 1
    free(managed)


def _destroy_capsule(capsule: int | None, api: Any = _api, delete: Any = _delete) -> None:
    # A capsule no consumer renamed ("used_dltensor...") still owns its tensor.
    for name in (_LEGACY, _VERSIONED):
        if api.PyCapsule_IsValid(capsule, name):
            delete(api.PyCapsule_GetPointer(capsule, name))
            return


_deleter = _DELETER_TYPE(_delete)
_destructor = _DESTRUCTOR_TYPE(_destroy_capsule)
for _callback in (_deleter, _destructor):
    _api.Py_IncRef(ctypes.py_object(_callback))
_DELETER_ADDRESS = ctypes.cast(_deleter, ctypes.c_void_p).value
_DESTRUCTOR_ADDRESS = ctypes.cast(_destructor, ctypes.c_void_p).value


def _fill_tensor(tensor: DLTensor, data: int, dtype: np.dtype[Any], shape_address: int, ndim: int) -> None:
    code, bits = data_type(dtype)
    tensor.data = data
    tensor.device.device_type = KDL_CPU
    tensor.device.device_id = 0
    tensor.ndim = ndim
    tensor.dtype.code = code
    tensor.dtype.bits = bits
    tensor.dtype.lanes = 1
    tensor.shape = ctypes.cast(shape_address, ctypes.POINTER(ctypes.c_int64))
    tensor.strides = None
    tensor.byte_offset = 0


def export(owner: _Memory, data: int, dtype: np.dtype[Any], shape: tuple[int, ...], *, versioned: bool) -> Any:
    """A capsule for the tensor at host address data; see the module docstring."""
    struct_type = DLManagedTensorVersioned if versioned else DLManagedTensor
    head = ctypes.sizeof(struct_type)
    block = _libc.malloc(head + 8 * max(len(shape), 1))
    if not block:
        raise MemoryError("malloc failed for a DLPack tensor")
    managed = struct_type.from_address(block)
    ctypes.memset(block, 0, head)
    shape_array = (ctypes.c_int64 * len(shape)).from_address(block + head)
    shape_array[:] = list(shape)
    try:
        _fill_tensor(managed.dl_tensor, data, dtype, block + head, len(shape))
    except BaseException:
        _libc.free(block)
        raise
    managed.deleter = _DELETER_ADDRESS
    if isinstance(managed, DLManagedTensorVersioned):
        managed.version.major, managed.version.minor = DLPACK_VERSION
    with _owners_lock:
        _owners[block] = owner
    owner._exports += 1
    try:
        return _api.PyCapsule_New(block, _VERSIONED if versioned else _LEGACY, _DESTRUCTOR_ADDRESS)
    except BaseException:
        _delete(block)
        raise


class View:
    """A typed window on host-accessible FlagHAL memory, for DLPack consumers.
    Made by Buffer.view / HostBuffer.view; checked when exported."""

    def __init__(self, owner: _Memory, dtype: np.dtype[Any], shape: tuple[int, ...], offset: int) -> None:
        self.owner = owner
        self.dtype = dtype
        self.shape = shape
        self.offset = offset

    def _check_exportable(self) -> None:
        self.owner._live()
        if not self.owner._host_accessible():
            device = self.owner.device
            raise BufferError(
                f"{self.owner!r} is memory of device {device.ordinal} ({device.properties.name}, "
                f"plugin {device.properties.plugin_name}), which the host cannot address "
                "(no FH_DEVICE_CAP_HOST_ACCESSIBLE_MEMORY); copy it out with to_numpy()"
            )

    def __dlpack_device__(self) -> tuple[int, int]:
        self._check_exportable()
        return (KDL_CPU, 0)

    def __dlpack__(
        self,
        *,
        stream: Any = None,
        max_version: tuple[int, int] | None = None,
        dl_device: tuple[int, int] | None = None,
        copy: bool | None = None,
    ) -> Any:
        """Exports the view (DLPack protocol; shares memory, never copies)."""
        self._check_exportable()
        if stream is not None:
            raise BufferError(f"stream must be None for host memory (kDLCPU), not {stream!r}")
        if dl_device is not None and tuple(dl_device) != (KDL_CPU, 0):
            raise BufferError(f"cannot export host memory to DLPack device {tuple(dl_device)}")
        if copy:
            raise BufferError("this exporter only shares memory; copy it with to_numpy()")
        data_type(self.dtype)
        # Work queued on the device's streams may still write the memory.
        self.owner.device.synchronize()
        versioned = max_version is not None and max_version[0] >= DLPACK_VERSION[0]
        return export(self.owner, self.owner._live() + self.offset, self.dtype, self.shape, versioned=versioned)
