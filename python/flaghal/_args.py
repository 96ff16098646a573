"""Kernel argument blobs: fields appended with C natural alignment
(docs/kernels.md), so the bytes equal what a C compiler lays out for the
kernel's documented argument struct.

    args = flaghal.Args().ptr(a).ptr(b).ptr(c).u32(n)   # struct { a, b, c; uint32_t n; }
    fn.launch(stream, grid, block, args)                 # bytes(args): 32 bytes, tail-padded

Each field is aligned to its own size, the padding bytes are zero, and
bytes(args) pads the end to the largest alignment (the struct's sizeof);
unpadded() omits that tail (for a struct whose flexible tail starts right
after the last field). ptr() takes a Buffer (plus an offset inside it) and
remembers it, so a launch checks that it is live and on the kernel's device,
and keeps it alive until the kernel has run. Pure code apart from that check.
"""

from __future__ import annotations

import struct
from typing import Any

from ._host import index
from ._memory import Buffer

# method name -> struct format character (standard sizes, native byte order).
_FORMATS = {
    "i8": "b", "u8": "B", "i16": "h", "u16": "H", "i32": "i", "u32": "I",
    "i64": "q", "u64": "Q", "f16": "e", "f32": "f", "f64": "d",
}  # fmt: skip


class Args:
    """A kernel argument blob under construction (see the module docstring)."""

    def __init__(self) -> None:
        self._bytes = bytearray()
        self._align = 1
        self._buffers: list[Buffer] = []

    def _field(self, kind: str, value: Any) -> Args:
        fmt = "=" + _FORMATS[kind]
        size = struct.calcsize(fmt)
        try:
            packed = struct.pack(fmt, value)
        except (struct.error, OverflowError, TypeError) as error:
            raise ValueError(f"Args.{kind}({value!r}): {error}") from None
        self._align = max(self._align, size)
        self._bytes.extend(bytes(-len(self._bytes) % size))
        self._bytes.extend(packed)
        return self

    def i8(self, value: int) -> Args:
        return self._field("i8", value)

    def u8(self, value: int) -> Args:
        return self._field("u8", value)

    def i16(self, value: int) -> Args:
        return self._field("i16", value)

    def u16(self, value: int) -> Args:
        return self._field("u16", value)

    def i32(self, value: int) -> Args:
        return self._field("i32", value)

    def u32(self, value: int) -> Args:
        return self._field("u32", value)

    def i64(self, value: int) -> Args:
        return self._field("i64", value)

    def u64(self, value: int) -> Args:
        return self._field("u64", value)

    def f16(self, value: float) -> Args:
        return self._field("f16", value)

    def f32(self, value: float) -> Args:
        return self._field("f32", value)

    def f64(self, value: float) -> Args:
        return self._field("f64", value)

    def ptr(self, target: Buffer | int, offset: int = 0) -> Args:
        """A device address (fh_deviceptr_t, 8 bytes): target's address plus
        offset (which must lie inside it), or a raw address int."""
        if isinstance(target, Buffer):
            start = index(offset, "offset")
            if start > target.nbytes:
                raise ValueError(f"Args.ptr: offset {start} is past the end of {target!r}")
            self._buffers.append(target)
            return self._field("u64", target.address + start)
        if isinstance(target, bool) or not isinstance(target, int):
            raise TypeError(f"Args.ptr takes a flaghal.Buffer or an int address, not {type(target).__name__}")
        return self._field("u64", target + index(offset, "offset"))

    @property
    def buffers(self) -> tuple[Buffer, ...]:
        """The Buffers passed to ptr(), in order."""
        return tuple(self._buffers)

    def unpadded(self) -> bytes:
        """The bytes so far, without tail padding."""
        return bytes(self._bytes)

    def __bytes__(self) -> bytes:
        """The struct's bytes, padded to a multiple of its largest alignment (its sizeof)."""
        return bytes(self._bytes) + bytes(-len(self._bytes) % self._align)

    def __len__(self) -> int:
        return len(self._bytes) + (-len(self._bytes) % self._align)

    def __repr__(self) -> str:
        return f"<flaghal.Args {len(self)} bytes>"
