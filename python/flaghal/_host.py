"""Host-side arguments: turning numpy arrays and bytes-like objects into C
pointers with their size, and checking dtypes, shapes and byte ranges.

Every check here raises TypeError (the wrong kind of object or dtype) or
ValueError (a wrong size, shape, range or layout) with a message that says
what was expected, before any C call is made.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np
import numpy.typing as npt

Shape = int | tuple[int, ...] | None


def c_contiguous_view(obj: Any, what: str, *, writable: bool) -> memoryview:
    """A memoryview of obj, which must support the buffer protocol, be
    C-contiguous and (when writable) writable."""
    try:
        view = memoryview(obj)
    except TypeError:
        raise TypeError(
            f"{what} must be a numpy array or a bytes-like object "
            f"(or a flaghal.Buffer / flaghal.HostBuffer), not {type(obj).__name__}"
        ) from None
    if not view.c_contiguous:
        raise ValueError(f"{what} is not C-contiguous; pass numpy.ascontiguousarray(...) of it")
    if writable and view.readonly:
        raise ValueError(f"{what} is read-only")
    return view


def index(value: Any, what: str) -> int:
    """value as a non-negative int (anything with __index__)."""
    try:
        number = operator.index(value)
    except TypeError:
        raise TypeError(f"{what} must be an integer, not {type(value).__name__}") from None
    if number < 0:
        raise ValueError(f"{what} must be >= 0, not {number}")
    return number


def check_range(offset: Any, nbytes: int, capacity: int, what: str) -> int:
    """offset (returned as an int) + nbytes must lie inside capacity bytes."""
    start = index(offset, "offset")
    if start + nbytes > capacity:
        raise ValueError(f"{what}: {nbytes} bytes at offset {start} do not fit in {capacity} bytes")
    return start


def element_type(dtype: npt.DTypeLike) -> np.dtype[Any]:
    """numpy.dtype(dtype), refused when it is not plain data (object, void
    with fields, zero-sized)."""
    try:
        result = np.dtype(dtype)
    except TypeError as error:
        raise TypeError(f"not a numpy dtype: {dtype!r} ({error})") from None
    if result.hasobject or result.itemsize == 0 or result.fields is not None:
        raise TypeError(f"dtype {result} is not a plain numeric type")
    return result


def shape_for(dtype: np.dtype[Any], shape: Shape, available: int) -> tuple[int, ...]:
    """The shape of an array of dtype that fits in available bytes: all of
    them when shape is None (available must then be a multiple of the item
    size), else shape itself, checked to fit."""
    if shape is None:
        if available % dtype.itemsize:
            raise ValueError(
                f"{available} bytes are not a whole number of {dtype} elements ({dtype.itemsize} bytes each); "
                "pass shape="
            )
        return (available // dtype.itemsize,)
    dims = (shape,) if not isinstance(shape, tuple) else shape
    dims = tuple(index(d, "shape") for d in dims)
    nbytes = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    if nbytes > available:
        raise ValueError(f"shape {dims} of {dtype} needs {nbytes} bytes; only {available} are there")
    return dims
