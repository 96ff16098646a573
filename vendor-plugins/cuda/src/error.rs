//! Error construction shared by every file: a failed CUDA call becomes an
//! `FfiError` whose status comes from `conv::status_from_cu` and whose
//! message names the operation and the CUDA result. (Kernel faults go
//! through the device's health record instead: `Device::check`.)

use crate::conv;
use crate::driver::CUresult;
use flaghal_sys::{self as sys, FfiError};

pub fn cu_error(operation: &str, result: CUresult) -> FfiError {
    FfiError::new(conv::status_from_cu(result), format!("{operation} failed: {}", conv::result_name(result)))
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
