"""Loading libflaghal.so through cffi's ABI mode, fhInit, and status checking.

The library is opened, and fhInit(0) called, on first use (any function or
object of the package that needs a device), once per process, under a lock.
cffi releases the GIL for the duration of every C call, so a long
synchronisation does not stall other Python threads; the loader's detail
message is per OS thread, and is read right after the failing call on the
same thread.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cffi

from . import _locate
from ._cdef import CDEF
from ._enums import Status
from ._errors import LibraryNotFoundError, status_error
from ._properties import unpack_version

SUPPORTED_MAJOR = 1


class Library:
    """The opened libflaghal.so: cffi's FFI (types) and lib (functions)."""

    def __init__(self, ffi: cffi.FFI, lib: Any, path: str, origin: str) -> None:
        # Any: cffi's cdata types are dynamic; the package's own API is what is typed.
        self.ffi: Any = ffi
        self.lib = lib
        self.path = path
        self.origin = origin

    def error_name(self, status: int) -> str:
        """fhGetErrorName, or FH_STATUS_<n> for a status the loader does not know."""
        name = self.ffi.new("const char **")
        if self.lib.fhGetErrorName(status, name) != Status.SUCCESS:
            return f"FH_STATUS_{status}"
        return str(self.ffi.string(name[0]).decode("utf-8", "replace"))

    def last_error_message(self) -> str:
        """fhGetLastErrorMessage of the calling thread, sized exactly."""
        length = self.ffi.new("size_t *")
        self.lib.fhGetLastErrorMessage(self.ffi.NULL, 0, length)
        buffer = self.ffi.new("char[]", length[0] + 1)
        self.lib.fhGetLastErrorMessage(buffer, len(buffer), length)
        return str(self.ffi.string(buffer).decode("utf-8", "replace"))

    def check(self, function: str, status: int) -> None:
        """Raises the StatusError subclass for status unless it is FH_SUCCESS.
        FH_ERROR_NOT_READY leaves the detail message alone (flaghal.h), so it
        carries none."""
        if status == Status.SUCCESS:
            return
        message = "" if status == Status.NOT_READY else self.last_error_message()
        raise status_error(function, status, self.error_name(status), message)

    def call(self, function: str, *args: Any) -> None:
        """lib.<function>(*args), then check()."""
        self.check(function, getattr(self.lib, function)(*args))


def release_on_collect(obj: object, release: Callable[..., int], *args: Any) -> weakref.finalize[Any, Any]:
    """A finalizer that runs release(*args) once: when obj is garbage-collected,
    or when the caller detaches it to release explicitly (close()/free()).
    Not at interpreter exit (atexit=False): exit runs pending finalizers in
    creation order, which could free a buffer before the stream still using
    it is destroyed; the process's end reclaims everything instead. A stream
    holds what its queued work uses, so ordinary collection is safe."""
    finalizer = weakref.finalize(obj, release, *args)
    finalizer.atexit = False
    return finalizer


_lock = threading.Lock()
_library: Library | None = None


def _open() -> Library:
    ffi = cffi.FFI()
    ffi.cdef(CDEF)
    tried: list[str] = []
    for candidate in _locate.candidates(os.environ, Path(__file__).parent):
        try:
            lib = ffi.dlopen(candidate.path)
        except OSError as error:
            tried.append(f"{candidate.path} ({candidate.origin}): {error}")
            if candidate.origin == f"${_locate.ENV_VAR}":
                break
            continue
        return Library(ffi, lib, candidate.path, candidate.origin)
    raise LibraryNotFoundError(
        "cannot load libflaghal.so; tried "
        + "; ".join(tried)
        + f". Set ${_locate.ENV_VAR} to the library's path (PREFIX/lib/{_locate.SONAME}), "
        "or add its directory to LD_LIBRARY_PATH"
    )


def library() -> Library:
    """The library, opened and initialised (fhInit(0)) on the first call."""
    global _library
    if _library is not None:
        return _library
    with _lock:
        if _library is None:
            opened = _open()
            version = opened.ffi.new("uint32_t *")
            opened.call("fhGetVersion", version)
            major = unpack_version(version[0])[0]
            if major != SUPPORTED_MAJOR:
                raise LibraryNotFoundError(
                    f"{opened.path} implements FlagHAL API {major}.x; this package speaks {SUPPORTED_MAJOR}.x"
                )
            opened.call("fhInit", 0)
            _library = opened
    return _library
