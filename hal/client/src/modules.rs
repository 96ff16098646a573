//! fhModuleLoadData/Unload/GetFunction, fhFunctionGetAttribute, fhLaunchKernel.

use crate::error::{Error, Result};
use crate::hal::Hal;
use crate::handles::{Device, Function, Module, Stream};
use flaghal_sys::{fh_function_attribute_t, fh_module_format_t, FH_ERROR_INVALID_VALUE};
use std::ffi::{c_void, CString};

impl Hal {
    /// fhModuleLoadData: the loader copies `image` before returning.
    pub fn module_load(&self, device: Device, format: fh_module_format_t, image: &[u8]) -> Result<Module> {
        let mut module = std::ptr::null_mut();
        // SAFETY: `image` is readable for its length during the call; `module` is a valid out pointer.
        self.check("fhModuleLoadData", unsafe {
            self.raw().fhModuleLoadData(device.0, format, image.as_ptr().cast(), image.len(), &mut module)
        })?;
        Ok(Module(module))
    }

    /// fhModuleUnload: the module and its functions are invalid afterwards.
    pub fn module_unload(&self, module: Module) -> Result {
        // SAFETY: no pointers besides the handle, which the loader validates.
        self.check("fhModuleUnload", unsafe { self.raw().fhModuleUnload(module.0) })
    }

    /// fhModuleGetFunction. A name holding a NUL byte cannot be passed to C:
    /// FH_ERROR_INVALID_VALUE without a call.
    pub fn get_function(&self, module: Module, name: &str) -> Result<Function> {
        let Ok(c_name) = CString::new(name) else {
            return Err(Error {
                function: "fhModuleGetFunction",
                status: FH_ERROR_INVALID_VALUE,
                name: "FH_ERROR_INVALID_VALUE".into(),
                message: format!("flaghal-client: kernel name {name:?} holds a NUL byte"),
            });
        };
        let mut function = std::ptr::null_mut();
        // SAFETY: `c_name` is NUL-terminated and outlives the call; `function` is a valid out pointer.
        self.check("fhModuleGetFunction", unsafe { self.raw().fhModuleGetFunction(module.0, c_name.as_ptr(), &mut function) })?;
        Ok(Function(function))
    }

    /// fhFunctionGetAttribute.
    pub fn function_attribute(&self, function: Function, attribute: fh_function_attribute_t) -> Result<i32> {
        let mut value = 0i32;
        // SAFETY: `value` is a valid out pointer.
        self.check("fhFunctionGetAttribute", unsafe { self.raw().fhFunctionGetAttribute(&mut value, attribute, function.0) })?;
        Ok(value)
    }

    /// fhLaunchKernel: `grid` blocks of `block` threads, `shared` bytes of
    /// dynamic shared memory, `args` the argument blob ([`crate::Args`]),
    /// copied before the call returns (an empty blob is passed as NULL).
    pub fn launch(&self, function: Function, grid: [u32; 3], block: [u32; 3], shared: u32, stream: Stream, args: &[u8]) -> Result {
        let ptr: *const c_void = if args.is_empty() { std::ptr::null() } else { args.as_ptr().cast() };
        // SAFETY: `args` is readable for its length during the call (flaghal.h: copied before return).
        self.check("fhLaunchKernel", unsafe {
            self.raw().fhLaunchKernel(function.0, grid[0], grid[1], grid[2], block[0], block[1], block[2], shared, stream.0, ptr, args.len())
        })
    }
}
