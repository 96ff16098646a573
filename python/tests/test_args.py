"""Args lays out kernel argument blobs as a C compiler lays out the struct."""

from __future__ import annotations

import struct

import flaghal


def test_natural_alignment_matches_the_documented_offsets() -> None:
    # struct { uint32_t a; uint64_t b; float c; uint32_t d; uint64_t e; uint32_t f; }:
    # a @0, b @8, c @16, d @20, e @24, f @32; sizeof 40.
    args = flaghal.Args().u32(1).u64(2).f32(3.0).u32(4).u64(5).u32(6)
    raw = args.unpadded()
    assert len(raw) == 36 and len(args) == 40 and len(bytes(args)) == 40
    assert raw[4:8] == bytes(4), "padding is zero"
    assert struct.unpack_from("=IxxxxQfIQI", raw) == (1, 2, 3.0, 4, 5, 6)


def test_small_fields_and_documented_example_structs() -> None:
    # struct { int8_t a; int16_t b; uint8_t c; double d; }: a @0, b @2, c @4, d @8; sizeof 16.
    blob = bytes(flaghal.Args().i8(-1).i16(-2).u8(3).f64(0.25))
    assert len(blob) == 16
    assert struct.unpack("=bxhBxxxd", blob) == (-1, -2, 3, 0.25)
    # vector_add's blob (c-examples/kernels/vector_add.fhk): sizeof 32; scale's: 24.
    assert len(flaghal.Args().ptr(1).ptr(2).ptr(3).u32(4)) == 32
    assert len(flaghal.Args().ptr(1).ptr(2).f32(1.0).u32(4)) == 24
    assert bytes(flaghal.Args()) == b""
    assert bytes(flaghal.Args().f16(1.5).i64(-7)) == struct.pack("=exxxxxxq", 1.5, -7)


def test_ptr_takes_a_buffer_and_an_offset(cpu_device: flaghal.Device) -> None:
    with cpu_device.alloc(256) as buf:
        args = flaghal.Args().ptr(buf, 16).u32(0)
        assert struct.unpack_from("=Q", bytes(args))[0] == buf.address + 16
        assert args.buffers == (buf,)
