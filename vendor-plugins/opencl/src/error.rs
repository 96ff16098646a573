//! Error construction shared by every file: a failed OpenCL call becomes an
//! `FfiError` whose status comes from `conv::status_from_cl` and whose
//! message names the operation and the native error.

use crate::conv;
use flaghal_sys::{self as sys, FfiError, FfiResult};

pub fn cl_error(operation: &str, code: i32) -> FfiError {
    FfiError::new(conv::status_from_cl(code), format!("{operation} failed: {}", conv::describe(code)))
}

/// `Ok` for CL_SUCCESS, else the error of `operation`.
pub fn check(operation: &str, code: i32) -> FfiResult {
    if code == crate::cl::CL_SUCCESS {
        Ok(())
    } else {
        Err(cl_error(operation, code))
    }
}

pub fn invalid_value(message: impl Into<String>) -> FfiError {
    FfiError::new(sys::FH_ERROR_INVALID_VALUE, message)
}

pub fn invalid_address(message: impl Into<String>) -> FfiError {
    FfiError::new(sys::FH_ERROR_INVALID_ADDRESS, message)
}

pub fn invalid_configuration(message: impl Into<String>) -> FfiError {
    FfiError::new(sys::FH_ERROR_INVALID_CONFIGURATION, message)
}

pub fn invalid_image(message: impl Into<String>) -> FfiError {
    FfiError::new(sys::FH_ERROR_INVALID_IMAGE, message)
}

pub fn out_of_memory(message: impl Into<String>) -> FfiError {
    FfiError::new(sys::FH_ERROR_OUT_OF_MEMORY, message)
}

/// `NOT_READY` is not a failure: an empty message keeps the caller's detail.
pub fn not_ready() -> FfiError {
    FfiError::new(sys::FH_ERROR_NOT_READY, "")
}
