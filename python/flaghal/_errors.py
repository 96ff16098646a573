"""The exceptions of the flaghal package, and the mapping from fh_status_t to them.

Every failure the package raises derives from FlagHALError:

- StatusError: a FlagHAL call returned a status other than FH_SUCCESS. It
  carries the C function's name, the status (an int), its identifier
  ("FH_ERROR_OUT_OF_MEMORY", from fhGetErrorName) and the loader's detail
  message for the calling thread (fhGetLastErrorMessage: it names the plugin,
  the operation and any native error, or starts with "flaghal:" when the
  loader refused the call itself). One subclass per status, so callers can
  catch `flaghal.OutOfMemoryError` alone.
- ReleasedError: an object was used after close()/free(). Raised by the
  package before anything reaches the C library: a freed buffer is never
  passed to a plugin.
- DeviceMismatchError: objects of two devices combined in one operation the
  package can check itself (a buffer and a stream of another device).
- LibraryNotFoundError: libflaghal.so could not be found or loaded.

Arguments the package checks itself (dtype, size, range, contiguity) raise
TypeError or ValueError with a message that names what was wrong.
Pure definitions and mapping.
"""

from __future__ import annotations

from ._enums import Status


class FlagHALError(Exception):
    """The base of every exception this package raises on purpose."""


class StatusError(FlagHALError):
    """A FlagHAL call returned a status other than FH_SUCCESS."""

    def __init__(self, function: str, status: int, name: str, message: str) -> None:
        self.function = function
        self.status = status
        self.name = name
        self.message = message
        detail = f": {message}" if message else ""
        super().__init__(f"{function} returned {name}{detail}")


class InvalidValueError(StatusError):
    """FH_ERROR_INVALID_VALUE."""


class OutOfMemoryError(StatusError):
    """FH_ERROR_OUT_OF_MEMORY."""


class NotInitializedError(StatusError):
    """FH_ERROR_NOT_INITIALIZED."""


class InvalidDeviceError(StatusError):
    """FH_ERROR_INVALID_DEVICE."""


class InvalidHandleError(StatusError):
    """FH_ERROR_INVALID_HANDLE."""


class NotFoundError(StatusError):
    """FH_ERROR_NOT_FOUND."""


class NotReadyError(StatusError):
    """FH_ERROR_NOT_READY (raised only where waiting is not what was asked)."""


class NotSupportedError(StatusError):
    """FH_ERROR_NOT_SUPPORTED."""


class InvalidImageError(StatusError):
    """FH_ERROR_INVALID_IMAGE."""


class InvalidAddressError(StatusError):
    """FH_ERROR_INVALID_ADDRESS."""


class InvalidConfigurationError(StatusError):
    """FH_ERROR_INVALID_CONFIGURATION."""


class LaunchFailedError(StatusError):
    """FH_ERROR_LAUNCH_FAILED."""


class DeviceLostError(StatusError):
    """FH_ERROR_DEVICE_LOST."""


class PanicError(StatusError):
    """FH_ERROR_PANIC."""


class UnknownError(StatusError):
    """FH_ERROR_UNKNOWN, or a status this package does not know."""


class ReleasedError(FlagHALError, ValueError):
    """An object was used after its close() or free()."""


class DeviceMismatchError(FlagHALError, ValueError):
    """Objects of different devices were combined in one operation."""


class LibraryNotFoundError(FlagHALError, OSError):
    """libflaghal.so could not be found or loaded."""


STATUS_ERRORS: dict[int, type[StatusError]] = {
    Status.INVALID_VALUE: InvalidValueError,
    Status.OUT_OF_MEMORY: OutOfMemoryError,
    Status.NOT_INITIALIZED: NotInitializedError,
    Status.INVALID_DEVICE: InvalidDeviceError,
    Status.INVALID_HANDLE: InvalidHandleError,
    Status.NOT_FOUND: NotFoundError,
    Status.NOT_READY: NotReadyError,
    Status.NOT_SUPPORTED: NotSupportedError,
    Status.INVALID_IMAGE: InvalidImageError,
    Status.INVALID_ADDRESS: InvalidAddressError,
    Status.INVALID_CONFIGURATION: InvalidConfigurationError,
    Status.LAUNCH_FAILED: LaunchFailedError,
    Status.DEVICE_LOST: DeviceLostError,
    Status.PANIC: PanicError,
    Status.UNKNOWN: UnknownError,
}


def status_error(function: str, status: int, name: str, message: str) -> StatusError:
    """The exception for a failed call: the status's own class, else UnknownError."""
    return STATUS_ERRORS.get(status, UnknownError)(function, status, name, message)
