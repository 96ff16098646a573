//! Error construction shared by every file: a failed Vulkan call becomes an
//! `FfiError` whose status comes from `conv::status_from_vk` and whose message
//! names the operation and the native result.

use crate::conv;
use ash::vk;
use flaghal_sys::{self as sys, FfiError};

pub fn vk_error(operation: &str, result: vk::Result) -> FfiError {
    FfiError::new(conv::status_from_vk(result), format!("{operation} failed: {result:?} (VkResult {})", result.as_raw()))
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

pub fn out_of_memory(message: impl Into<String>) -> FfiError {
    FfiError::new(sys::FH_ERROR_OUT_OF_MEMORY, message)
}

/// `NOT_READY` is not a failure: an empty message keeps the caller's detail.
pub fn not_ready() -> FfiError {
    FfiError::new(sys::FH_ERROR_NOT_READY, "")
}

/// Adds the operation name to a Vulkan result.
pub trait VkContext<T> {
    fn ctx(self, operation: &str) -> Result<T, FfiError>;
}

impl<T> VkContext<T> for Result<T, vk::Result> {
    fn ctx(self, operation: &str) -> Result<T, FfiError> {
        self.map_err(|r| vk_error(operation, r))
    }
}
