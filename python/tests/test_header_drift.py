"""The package declares flaghal.h exactly: cffi declarations, enum values, struct layouts.

cffi's ABI mode trusts its declarations for every call and every struct
field, so a header change the package has not picked up would corrupt calls
silently; these tests make it loud.

    python3 python/tests/cdef_from_header.py    # regenerate _cdef.py after a header change
"""

from __future__ import annotations

import enum
import os
import re

import cffi
import pytest
from cdef_from_header import CDEF_MODULE, HEADER, REPO_ROOT, cdef_module, strip_comments

import flaghal
from flaghal._cdef import CDEF

BINDINGS = REPO_ROOT / "hal" / "sys" / "src" / "bindings.rs"


def test_cdef_is_generated_from_the_header() -> None:
    expected = cdef_module(HEADER.read_text())
    if os.environ.get("FLAGHAL_BLESS") == "1":
        CDEF_MODULE.write_text(expected)
    assert CDEF_MODULE.read_text() == expected, (
        "python/flaghal/_cdef.py differs from include/flaghal/flaghal.h; regenerate it: "
        "python3 python/tests/cdef_from_header.py"
    )


def header_values(prefix: str) -> dict[str, int]:
    """NAME -> value for `#define PREFIXNAME n`, `PREFIXNAME = n` enum members and
    `#define PREFIXNAME (1ull << n)` flags, without *_FORCE_32BIT."""
    text = strip_comments(HEADER.read_text())
    values: dict[str, int] = {}
    pattern = rf"(?:#define\s+|^\s*){prefix}(\w+)\s*=?\s*(\(1ull << \d+\)|0x[0-9A-Fa-f]+|\d+)[uU]?\s*(?:,|$)"
    for name, value in re.findall(pattern, text, flags=re.M):
        shift = re.fullmatch(r"\(1ull << (\d+)\)", value)
        values[name] = 1 << int(shift.group(1)) if shift else int(value, 0)
    values.pop("FORCE_32BIT", None)
    return values


@pytest.mark.parametrize(
    ("kind", "prefix"),
    [
        (flaghal.DeviceType, "FH_DEVICE_TYPE_"),
        (flaghal.ModuleFormat, "FH_MODULE_FORMAT_"),
        (flaghal.Capability, "FH_DEVICE_CAP_"),
        (flaghal.FunctionAttribute, "FH_FUNC_ATTRIBUTE_"),
        (flaghal.PluginStatus, "FH_PLUGIN_STATUS_"),
        (flaghal.PluginSkipReason, "FH_PLUGIN_SKIP_"),
    ],
)
def test_enums_match_the_header(kind: type[enum.Enum], prefix: str) -> None:
    mine = {member.name: member.value for member in kind}
    assert mine == header_values(prefix), f"flaghal.{kind.__name__} differs from flaghal.h's {prefix}*"


def test_statuses_match_the_header() -> None:
    text = strip_comments(HEADER.read_text())
    defined = {name: int(value) for name, value in re.findall(r"#define FH_(SUCCESS|ERROR_\w+) (\d+)\s*$", text, re.M)}
    mine = {("" if s.name == "SUCCESS" else "ERROR_") + s.name: s.value for s in flaghal.Status}
    assert mine == defined
    missing = [s for s in flaghal.Status if s and s not in flaghal._errors.STATUS_ERRORS]
    assert not missing, f"statuses without an exception class: {missing}"


def bindgen_layouts() -> dict[str, dict[str, int]]:
    """struct name -> {"<size>": n, field: offset} from bindgen's layout assertions."""
    text = BINDINGS.read_text()
    layouts: dict[str, dict[str, int]] = {}
    for name, size in re.findall(r'\["Size of (\w+)"\]\s*\[::std::mem::size_of::<\w+>\(\) - (\d+)usize\]', text):
        layouts.setdefault(name, {})["<size>"] = int(size)
    offsets = r'\["Offset of field: (\w+)::(\w+)"\]\s*\[::std::mem::offset_of!\(\w+, \w+\) - (\d+)usize\]'
    for name, field, offset in re.findall(offsets, text):
        # bindgen appends "_" to C names that are Rust keywords (type -> type_).
        layouts.setdefault(name, {})[field.removesuffix("_")] = int(offset)
    return layouts


def test_struct_layouts_match_bindgen() -> None:
    ffi = cffi.FFI()
    ffi.cdef(CDEF)
    structs = re.findall(r"typedef struct (\w+) \{", CDEF)
    assert "fh_device_properties" in structs and "fh_plugin_info" in structs
    layouts = bindgen_layouts()
    for struct in structs:
        expected = layouts.get(struct)
        assert expected, f"bindgen (hal/sys/src/bindings.rs) has no layout of struct {struct}"
        mine = {"<size>": ffi.sizeof(f"struct {struct}")}
        mine.update({field: ffi.offsetof(f"struct {struct}", field) for field in expected if field != "<size>"})
        assert mine == expected, f"struct {struct}: cffi's layout differs from the C compiler's"
