//! Native CPU modules (FH_MODULE_FORMAT_NATIVE_CPU) and their kernels.
//!
//! Loading: the bytes are validated as an ELF shared object for this host
//! ([`crate::elf`]), written to an anonymous memory file (memfd_create) and
//! dlopen'ed as /proc/self/fd/N with RTLD_NOW | RTLD_LOCAL, so nothing touches
//! the file system and unresolved symbols fail the load (dlerror becomes the
//! FH_ERROR_INVALID_IMAGE detail). The memfd stays open while the library is
//! loaded: glibc recognises an already-loaded library by its path, so the
//! descriptor number must not be reused by another module meanwhile.
//!
//! Ownership: an `fhp_module_t` is a `Box<Module>`; an `fhp_function_t` is
//! `Arc::as_ptr` of an `Arc<Function>` held by its module's cache (see
//! `handles`). Queued launches hold their own `Arc<Function>`, and every
//! function holds the `Arc<ModuleCode>`, so fhModuleUnload with launches
//! pending keeps the code loaded until they finish.

use crate::elf;
use crate::launch::{MAX_SHARED_MEMORY_PER_BLOCK, MAX_THREADS_PER_BLOCK};
use flaghal_sys::{
    fh_cpu_kernel_context_t, fh_cpu_kernel_meta_t, fh_function_attribute_t, FfiError, FfiResult,
    FH_CPU_KERNEL_ABI_VERSION, FH_ERROR_INVALID_IMAGE, FH_ERROR_INVALID_VALUE, FH_ERROR_NOT_FOUND,
    FH_ERROR_OUT_OF_MEMORY, FH_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, FH_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK,
    FH_FUNC_ATTRIBUTE_NUM_REGS, FH_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES,
};
use libloading::os::unix::{Library, RTLD_LOCAL, RTLD_NOW};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::ffi::{c_void, CStr};
use std::fs::File;
use std::io::Write;
use std::os::fd::AsRawFd;
use std::sync::Arc;

/// A kernel entry point (flaghal_cpu_kernel.h).
pub type KernelEntry = unsafe extern "C" fn(*const fh_cpu_kernel_context_t, *const c_void);

/// The loaded library and the memfd it was loaded from.
pub struct ModuleCode {
    library: Option<Library>,
    memfd: Option<File>,
    path: String,
}

impl ModuleCode {
    fn library(&self) -> &Library {
        self.library.as_ref().expect("present until drop")
    }
}

impl Drop for ModuleCode {
    fn drop(&mut self) {
        if let Some(library) = self.library.take() {
            let _ = library.close();
        }
        // Still mapped after dlclose? Then its path must never name another
        // module: keep the descriptor (and so its number) for good.
        // SAFETY: RTLD_NOLOAD only looks the path up; nothing new is loaded.
        let still_loaded = unsafe { Library::open(Some(&self.path), RTLD_NOW | crate::sys::RTLD_NOLOAD) };
        if let Ok(extra_reference) = still_loaded {
            let _ = extra_reference.close();
            std::mem::forget(self.memfd.take());
            crate::host::log(
                flaghal_sys::FH_LOG_LEVEL_DEBUG,
                &format!("module {} stays mapped after dlclose; its memfd is kept open", self.path),
            );
        }
    }
}

/// A loaded module: its code and the functions looked up so far.
pub struct Module {
    code: Arc<ModuleCode>,
    functions: Mutex<HashMap<String, Arc<Function>>>,
}

/// A kernel: its entry point and metadata. Holds the module code alive.
pub struct Function {
    pub name: String,
    pub entry: KernelEntry,
    pub meta: fh_cpu_kernel_meta_t,
    _code: Arc<ModuleCode>,
}

impl Module {
    /// fhModuleLoadData for FH_MODULE_FORMAT_NATIVE_CPU bytes.
    pub fn load(bytes: &[u8]) -> FfiResult<Module> {
        elf::validate(bytes)?;
        let io_error = |what: &str, e: std::io::Error| {
            let status = if e.raw_os_error() == Some(12) { FH_ERROR_OUT_OF_MEMORY } else { flaghal_sys::FH_ERROR_UNKNOWN };
            FfiError::new(status, format!("{what}: {e}"))
        };
        let mut memfd = crate::sys::anonymous_file(c"flaghal-cpu-module").map_err(|e| io_error("memfd_create", e))?;
        memfd.write_all(bytes).map_err(|e| io_error("writing the module to its memfd", e))?;
        let path = format!("/proc/self/fd/{}", memfd.as_raw_fd());
        // SAFETY: loading a library runs its initialisers; the caller asked
        // for this module to be loaded and the ELF checks passed.
        let library = unsafe { Library::open(Some(&path), RTLD_NOW | RTLD_LOCAL) }
            .map_err(|e| FfiError::new(FH_ERROR_INVALID_IMAGE, format!("dlopen rejected the module: {e}")))?;
        let code = ModuleCode { library: Some(library), memfd: Some(memfd), path };
        Ok(Module { code: Arc::new(code), functions: Mutex::new(HashMap::new()) })
    }

    /// fhModuleGetFunction: NAME and NAME__fh_meta must both be exported and
    /// the metadata must be of calling convention FH_CPU_KERNEL_ABI_VERSION.
    /// Looking a name up twice returns the same function.
    pub fn function(&self, name: &CStr) -> FfiResult<Arc<Function>> {
        let text = name
            .to_str()
            .map_err(|_| FfiError::new(FH_ERROR_INVALID_VALUE, "kernel name is not valid UTF-8"))?;
        let mut functions = self.functions.lock();
        if let Some(function) = functions.get(text) {
            return Ok(function.clone());
        }
        let not_found = |why: String| FfiError::new(FH_ERROR_NOT_FOUND, format!("kernel {text:?}: {why}"));
        if text.is_empty() {
            return Err(not_found("the name is empty".to_string()));
        }
        let library = self.code.library();
        // SAFETY: the symbol is declared by flaghal_cpu_kernel.h as a kernel
        // entry when its metadata exists, which is checked below before use.
        let entry: KernelEntry = *unsafe { library.get::<KernelEntry>(name.to_bytes_with_nul()) }
            .map_err(|_| not_found("no such symbol in the module".to_string()))?;
        let meta_name = format!("{text}__fh_meta\0");
        // SAFETY: a data symbol's address, read below only as the metadata
        // struct that FH_CPU_KERNEL defines under this name.
        let meta_ptr: *const fh_cpu_kernel_meta_t = *unsafe { library.get::<*const fh_cpu_kernel_meta_t>(meta_name.as_bytes()) }
            .map_err(|_| {
                not_found(format!("the symbol exists but {text}__fh_meta does not, so it is not a kernel (declare it with FH_CPU_KERNEL)"))
            })?;
        // SAFETY: FH_CPU_KERNEL defines the metadata as a constant of at least
        // the 1.0 size (16 bytes), mapped while the library is loaded.
        let meta = *unsafe { flaghal_sys::ptr::in_ref(meta_ptr, "kernel metadata") }?;
        if (meta.struct_size as usize) < std::mem::size_of::<fh_cpu_kernel_meta_t>() {
            return Err(not_found(format!("its metadata struct_size {} is below 16", meta.struct_size)));
        }
        if meta.abi_version != FH_CPU_KERNEL_ABI_VERSION {
            return Err(not_found(format!(
                "it was built for CPU kernel calling convention {}, this plugin implements {FH_CPU_KERNEL_ABI_VERSION}",
                meta.abi_version
            )));
        }
        let function = Arc::new(Function { name: text.to_string(), entry, meta, _code: self.code.clone() });
        functions.insert(text.to_string(), function.clone());
        Ok(function)
    }
}

impl Function {
    /// The largest block this kernel accepts (its metadata, capped by the device).
    pub fn max_threads_per_block(&self) -> u32 {
        match self.meta.max_threads_per_block {
            0 => MAX_THREADS_PER_BLOCK,
            n => n.min(MAX_THREADS_PER_BLOCK),
        }
    }

    /// fhFunctionGetAttribute.
    pub fn attribute(&self, attribute: fh_function_attribute_t) -> FfiResult<i32> {
        let value = match attribute {
            FH_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK => self.max_threads_per_block(),
            FH_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES => self.meta.static_shared_bytes,
            FH_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES => {
                MAX_SHARED_MEMORY_PER_BLOCK.saturating_sub(self.meta.static_shared_bytes)
            }
            FH_FUNC_ATTRIBUTE_NUM_REGS => 0,
            other => {
                return Err(FfiError::new(FH_ERROR_INVALID_VALUE, format!("unknown function attribute {other}")));
            }
        };
        Ok(i32::try_from(value).unwrap_or(i32::MAX))
    }
}
