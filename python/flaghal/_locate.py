"""Where the package looks for libflaghal.so, in order. Pure functions.

1. $FLAGHAL_LIBRARY: the path of the library to load (an install's
   lib/libflaghal.so.1, or a build's target/release/libflaghal.so). When it is
   set, it is the only candidate: a library that was asked for by name and
   cannot be loaded is an error, never silently replaced by another.
2. The install prefix: a package installed into the FlagHAL prefix itself
   (`pip install --prefix PREFIX ./python`, or a venv created at PREFIX) lives
   in PREFIX/lib/pythonX.Y/site-packages/flaghal, so PREFIX/lib/libflaghal.so.1
   is three directories up. Used when that file exists.
3. The system loader path: "libflaghal.so.1" by name, which dlopen looks up
   in LD_LIBRARY_PATH, then the ld.so cache (ldconfig), then /lib and /usr/lib.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ENV_VAR = "FLAGHAL_LIBRARY"
SONAME = "libflaghal.so.1"


@dataclass(frozen=True)
class Candidate:
    """One place to load the library from."""

    path: str
    """What is passed to dlopen: a path, or the bare SONAME for the system loader."""
    origin: str
    """Why it is a candidate, for messages: "$FLAGHAL_LIBRARY", "install prefix", "system loader path"."""


def candidates(environ: Mapping[str, str], package_dir: Path) -> list[Candidate]:
    """The candidates in the order they are tried (see the module docstring)."""
    explicit = environ.get(ENV_VAR, "")
    if explicit:
        return [Candidate(explicit, f"${ENV_VAR}")]
    found: list[Candidate] = []
    parents = package_dir.resolve().parents
    if len(parents) >= 3:
        in_prefix = parents[2] / SONAME
        if in_prefix.is_file():
            found.append(Candidate(os.fspath(in_prefix), "install prefix"))
    found.append(Candidate(SONAME, "system loader path"))
    return found
