"""Derives the cffi declarations of flaghal/_cdef.py from include/flaghal/flaghal.h.

Pure text processing, shared by test_header_drift.py (which fails when the
committed _cdef.py differs; with FLAGHAL_BLESS=1 it rewrites it) and this
file run as a script, which rewrites it with nothing but python3:

    python3 python/tests/cdef_from_header.py
The header is the specification; the package must never declare a function
or a struct differently from it, since cffi's ABI mode trusts the
declarations for every call and every struct layout.

What is kept: typedefs, enums, structs, function prototypes (without FH_API),
and the #defines whose value is an integer literal (cffi evaluates those and
needs FH_MAX_MODULE_FORMATS for an array bound). What is dropped: comments,
the include guard and #includes, the C++ extern "C" block, the visibility
macro, and #defines with expressions (function-like macros, shifts), which
cffi cannot evaluate; the package's enums in _enums.py carry those and the
drift test checks them against the header separately.
"""

from __future__ import annotations

import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
HEADER = REPO_ROOT / "include" / "flaghal" / "flaghal.h"
CDEF_MODULE = REPO_ROOT / "python" / "flaghal" / "_cdef.py"

_INT_DEFINE = re.compile(r"#define\s+(FH_\w+)\s+((?:0x[0-9A-Fa-f]+|\d+)[uU]?)\s*$")


def strip_comments(text: str) -> str:
    """Removes /* ... */ and // comments (the header has no comment-like text in strings)."""
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def join_continuations(text: str) -> str:
    """Joins preprocessor lines continued with a backslash."""
    return re.sub(r"\\\n", " ", text)


def declarations(header_text: str) -> str:
    """The cffi cdef text for a header: see the module docstring."""
    lines = join_continuations(strip_comments(header_text)).splitlines()
    out: list[str] = []
    skip_depth = 0  # inside #ifdef __cplusplus / #if defined(_WIN32) ... #endif
    depth = 0
    for raw in lines:
        line = raw.rstrip()
        directive = line.strip()
        if directive.startswith("#"):
            if re.match(r"#\s*if", directive):
                depth += 1
                if skip_depth == 0 and ("__cplusplus" in directive or "_WIN32" in directive):
                    skip_depth = depth
            elif re.match(r"#\s*endif", directive):
                if skip_depth == depth:
                    skip_depth = 0
                depth -= 1
            elif skip_depth == 0:
                m = _INT_DEFINE.match(directive)
                if m:
                    out.append(f"#define {m.group(1)} {m.group(2)}")
            continue
        if skip_depth:
            continue
        text = re.sub(r"\s+", " ", re.sub(r"\bFH_API\s+", "", line)).strip()
        if text:
            indent = "    " if line[:1].isspace() else ""
            out.append(indent + text)
    return "\n".join(out) + "\n"


def cdef_module(header_text: str) -> str:
    """The whole text of flaghal/_cdef.py."""
    return (
        '"""The C declarations of include/flaghal/flaghal.h, for cffi\'s ABI mode.\n'
        "\n"
        "Generated from the header by python/tests/cdef_from_header.py; do not edit.\n"
        "Regenerate: python3 python/tests/cdef_from_header.py\n"
        '"""\n'
        "\n"
        f'CDEF = """\n{declarations(header_text)}"""\n'
    )


if __name__ == "__main__":
    CDEF_MODULE.write_text(cdef_module(HEADER.read_text()))
    print(f"wrote {CDEF_MODULE.relative_to(REPO_ROOT)} from {HEADER.relative_to(REPO_ROOT)}")
