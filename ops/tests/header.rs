//! flaghal_ops.h compiles clean as C99 and C++11 (-Wall -Wextra -Werror
//! -pedantic), and its structs have exactly the layout the library reads
//! (the Rust mirrors in src/tensor.rs and src/plan/rows.rs): a C program
//! prints every size and offset, compared here with Rust's.

use flaghal_ops::plan::rows::{RopeParams, SoftMaxParams};
use flaghal_ops::tensor::Tensor;
use std::mem::{offset_of, size_of};
use std::path::PathBuf;
use std::process::Command;

const PROGRAM: &str = r#"
#include <flaghal/flaghal_ops.h>
#include <stddef.h>
#include <stdio.h>
int main(void) {
    printf("tensor %zu %zu %zu %zu %zu\n", sizeof(fhops_tensor_t), offsetof(fhops_tensor_t, data),
           offsetof(fhops_tensor_t, type), offsetof(fhops_tensor_t, ne), offsetof(fhops_tensor_t, nb));
    printf("soft_max %zu %zu %zu\n", sizeof(fhops_soft_max_params_t), offsetof(fhops_soft_max_params_t, scale),
           offsetof(fhops_soft_max_params_t, max_bias));
    printf("rope %zu %zu %zu %zu %zu %zu %zu %zu %zu %zu\n", sizeof(fhops_rope_params_t),
           offsetof(fhops_rope_params_t, n_dims), offsetof(fhops_rope_params_t, mode),
           offsetof(fhops_rope_params_t, n_ctx_orig), offsetof(fhops_rope_params_t, freq_base),
           offsetof(fhops_rope_params_t, freq_scale), offsetof(fhops_rope_params_t, ext_factor),
           offsetof(fhops_rope_params_t, attn_factor), offsetof(fhops_rope_params_t, beta_fast),
           offsetof(fhops_rope_params_t, beta_slow));
    printf("types %d %d %d %d %d\n", FHOPS_TYPE_F32, FHOPS_TYPE_F16, FHOPS_TYPE_Q8_0, FHOPS_TYPE_I32, FHOPS_TYPE_I64);
    return 0;
}
"#;

fn compile(compiler: &str, flags: &[&str], src: &PathBuf, exe: &PathBuf) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(compiler)
        .args(flags)
        .args(["-Wall", "-Wextra", "-Werror", "-pedantic"])
        .arg(format!("-I{}", root.join("include").display()))
        .arg(format!("-I{}", root.join("../include").display()))
        .arg(src)
        .arg("-o")
        .arg(exe)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {compiler}: {e}"));
    assert!(out.status.success(), "{compiler} {flags:?}: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn the_header_compiles_clean_and_matches_the_library_layout() {
    let dir = std::env::temp_dir().join(format!("flaghal-ops-header-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (c_src, cxx_src) = (dir.join("layout.c"), dir.join("layout.cpp"));
    std::fs::write(&c_src, PROGRAM).unwrap();
    std::fs::write(&cxx_src, PROGRAM).unwrap();
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let cxx = std::env::var("CXX").unwrap_or_else(|_| "c++".into());
    compile(&cc, &["-std=c99"], &c_src, &dir.join("layout_c"));
    compile(&cxx, &["-std=c++11"], &cxx_src, &dir.join("layout_cxx"));
    for exe in ["layout_c", "layout_cxx"] {
        let out = Command::new(dir.join(exe)).output().unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let want = format!(
            "tensor {} {} {} {} {}\nsoft_max {} {} {}\nrope {} {} {} {} {} {} {} {} {} {}\ntypes 0 1 8 26 27\n",
            size_of::<Tensor>(),
            offset_of!(Tensor, data),
            offset_of!(Tensor, ty),
            offset_of!(Tensor, ne),
            offset_of!(Tensor, nb),
            size_of::<SoftMaxParams>(),
            offset_of!(SoftMaxParams, scale),
            offset_of!(SoftMaxParams, max_bias),
            size_of::<RopeParams>(),
            offset_of!(RopeParams, n_dims),
            offset_of!(RopeParams, mode),
            offset_of!(RopeParams, n_ctx_orig),
            offset_of!(RopeParams, freq_base),
            offset_of!(RopeParams, freq_scale),
            offset_of!(RopeParams, ext_factor),
            offset_of!(RopeParams, attn_factor),
            offset_of!(RopeParams, beta_fast),
            offset_of!(RopeParams, beta_slow),
        );
        assert_eq!(text, want, "{exe}: the C layout differs from the library's");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
