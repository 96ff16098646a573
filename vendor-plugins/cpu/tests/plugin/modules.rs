//! Module loading and kernel lookup: what is rejected and why.

use crate::support::*;
use flaghal_sys::*;

fn load_error(bytes: &[u8]) -> String {
    let p = plugin();
    let (status, module) = p.load(bytes);
    assert_eq!(status, FH_ERROR_INVALID_IMAGE);
    assert!(module.is_null(), "nothing loaded");
    take_detail()
}

#[test]
fn garbage_truncated_and_foreign_bytes_are_invalid_images() {
    let good = kernel_bytes("test_kernels");
    assert!(load_error(b"this is not a shared object at all").contains("not an ELF file"));
    assert!(load_error(&good[..48]).contains("shorter than the 64-byte ELF header"));
    let truncated = load_error(&good[..good.len() / 2]);
    assert!(truncated.contains("truncated"), "{truncated}");
    let mut foreign = good.clone();
    let other_machine: u16 = if cfg!(target_arch = "aarch64") { 62 } else { 183 };
    foreign[18..20].copy_from_slice(&other_machine.to_ne_bytes());
    assert!(load_error(&foreign).contains("built for machine"));
    let mut executable = good.clone();
    executable[16..18].copy_from_slice(&2u16.to_ne_bytes());
    assert!(load_error(&executable).contains("ET_EXEC"));
}

#[test]
fn dlopen_failures_carry_dlerror_text() {
    let detail = load_error(&kernel_bytes("unresolved"));
    assert!(detail.contains("flaghal_test_symbol_that_does_not_exist"), "{detail}");
}

#[test]
fn other_formats_are_not_supported_and_empty_data_is_invalid() {
    let p = plugin();
    let bytes = kernel_bytes("test_kernels");
    let mut module = std::ptr::null_mut();
    // SAFETY: valid pointers; the format is the case under test.
    let status = unsafe { p.api.module_load.unwrap()(p.device, FH_MODULE_FORMAT_SPIRV, bytes.as_ptr().cast(), bytes.len(), &mut module) };
    assert_eq!(status, FH_ERROR_NOT_SUPPORTED);
    assert!(take_detail().contains("FH_MODULE_FORMAT_NATIVE_CPU"));
    // SAFETY: as above; size 0.
    let status = unsafe { p.api.module_load.unwrap()(p.device, FH_MODULE_FORMAT_NATIVE_CPU, bytes.as_ptr().cast(), 0, &mut module) };
    assert_eq!(status, FH_ERROR_INVALID_VALUE);
    assert!(module.is_null());
}

#[test]
fn lookup_requires_the_kernel_and_its_metadata() {
    let p = plugin();
    let module = p.load_test_kernels();
    let (status, _) = p.get_function(module, c"no_such_kernel");
    assert_eq!(status, FH_ERROR_NOT_FOUND);
    assert!(take_detail().contains("no such symbol"));
    let (status, _) = p.get_function(module, c"not_a_kernel");
    assert_eq!(status, FH_ERROR_NOT_FOUND);
    assert!(take_detail().contains("not_a_kernel__fh_meta does not"));
    let (status, _) = p.get_function(module, c"future_kernel");
    assert_eq!(status, FH_ERROR_NOT_FOUND);
    assert!(take_detail().contains("calling convention 99"));
    let (status, _) = p.get_function(module, c"vector_add__fh_meta");
    assert_eq!(status, FH_ERROR_NOT_FOUND, "metadata is not a kernel");
    let first = p.function(module, c"vector_add");
    let second = p.function(module, c"vector_add");
    assert_eq!(first.0, second.0, "the same handle for the same name");
    p.unload(module);
}

#[test]
fn function_attributes_come_from_the_metadata() {
    let p = plugin();
    let module = p.load_test_kernels();
    let limited = p.function(module, c"limited");
    assert_eq!(p.attribute(limited, FH_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK), (FH_SUCCESS, 64));
    assert_eq!(p.attribute(limited, FH_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES), (FH_SUCCESS, 1024));
    assert_eq!(p.attribute(limited, FH_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES), (FH_SUCCESS, 63 * 1024));
    assert_eq!(p.attribute(limited, FH_FUNC_ATTRIBUTE_NUM_REGS), (FH_SUCCESS, 0));
    let unlimited = p.function(module, c"fill_index");
    assert_eq!(p.attribute(unlimited, FH_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK), (FH_SUCCESS, 1024), "0 = the device limit");
    assert_eq!(p.attribute(unlimited, 77).0, FH_ERROR_INVALID_VALUE);
    p.unload(module);
}

#[test]
fn two_loads_of_the_same_bytes_are_independent_modules() {
    let p = plugin();
    let (a, b) = (p.load_test_kernels(), p.load_test_kernels());
    assert_ne!(a, b);
    let (fa, fb) = (p.function(a, c"vector_add"), p.function(b, c"vector_add"));
    p.unload(a);
    // b still works after a is gone.
    assert_eq!(p.attribute(fb, FH_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK), (FH_SUCCESS, 1024));
    let _ = fa;
    p.unload(b);
}

#[test]
fn a_module_that_stays_mapped_is_never_mistaken_for_a_later_one() {
    let p = plugin();
    for _ in 0..3 {
        let (status, sticky) = p.load(&kernel_bytes("second_nodelete"));
        assert_eq!(status, FH_SUCCESS, "{}", take_detail());
        let only = p.function(sticky, c"only_in_second");
        let stream = p.stream();
        let out = p.alloc(4);
        assert_eq!(p.launch(only, [1, 1, 1], [1, 1, 1], 0, stream, &out), FH_SUCCESS);
        assert_eq!(p.sync(stream), FH_SUCCESS);
        assert_eq!(p.read_u32s(out, 1), vec![0x5EC0D]);
        p.unload(sticky);
        // The next module would get the same /proc/self/fd/N path if the
        // sticky module's descriptor had been closed.
        let other = p.load_test_kernels();
        let (status, _) = p.get_function(other, c"vector_add");
        assert_eq!(status, FH_SUCCESS, "the new module is itself, not the old one: {}", take_detail());
        let (status, _) = p.get_function(other, c"only_in_second");
        assert_eq!(status, FH_ERROR_NOT_FOUND);
        p.unload(other);
        p.destroy_stream(stream);
        assert_eq!(p.free(out), FH_SUCCESS);
    }
}
