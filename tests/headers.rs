//! The headers are the specification, and C and C++ compilers must accept
//! them as they are (docs/abi.md, "Shape"): each header compiles alone, as C99 and as
//! C++11, under -Wall -Wextra -Werror -pedantic, with its macros in use; and
//! the C compiler lays out every ABI struct exactly as the committed Rust
//! bindings (flaghal-sys) do, so the loader, Rust plugins and C plugins agree
//! byte for byte.

use flaghal_integration::c::{self, C99_STRICT, CXX11_STRICT};
use flaghal_integration::paths;
use flaghal_sys::*;
use std::mem::{align_of, offset_of, size_of};
use std::path::Path;
use std::process::Command;

/// A translation unit that includes `header` (twice: the include guard must
/// hold) and expands the header's macros, so they are compiled too.
fn translation_unit(header: &str) -> String {
    let uses = match header {
        "flaghal.h" => {
            "uint32_t use_macros(void) { return FH_MAKE_VERSION(1, 2, 3) + FH_VERSION_MAJOR(FH_API_VERSION) \
             + FH_VERSION_MINOR(FH_API_VERSION) + FH_VERSION_PATCH(FH_API_VERSION) \
             + (uint32_t)FH_DEVICE_CAP_ADDRESS_CHECKS; }\n"
        }
        "flaghal_plugin.h" => {
            "size_t use_macros(void) { return FH_PLUGIN_API_STRUCT_SIZE_1_0 + FH_PLUGIN_NEGOTIATE_ARGS_STRUCT_SIZE_1_0 \
             + FH_PLUGIN_INIT_ARGS_STRUCT_SIZE_1_0 + FH_PLUGIN_LAUNCH_PARAMS_STRUCT_SIZE_1_0 \
             + FH_PLUGIN_HOST_SERVICES_STRUCT_SIZE_1_0; }\n\
             fh_status_t fhPluginNegotiate(fh_plugin_negotiate_args_t *args) { (void)args; return FH_ERROR_NOT_SUPPORTED; }\n"
        }
        "flaghal_cpu_kernel.h" => {
            "FH_CPU_KERNEL(probe_kernel, 0, 16) { (void)args; FH_CPU_PTR(uint32_t, 0x1000)[0] = ctx->block_idx[0]; }\n"
        }
        other => panic!("unknown header {other}"),
    };
    format!("#include <flaghal/{header}>\n#include <flaghal/{header}>\n{uses}")
}

fn compile_alone(header: &str, cplusplus: bool) -> Result<(), String> {
    let dir = paths::scratch_dir(&format!("headers-{header}-{}", if cplusplus { "cxx" } else { "c" }));
    let src = dir.join(if cplusplus { "tu.cpp" } else { "tu.c" });
    std::fs::write(&src, translation_unit(header)).expect("write translation unit");
    let flags = if cplusplus { CXX11_STRICT } else { C99_STRICT };
    let mut args: Vec<String> = flags.iter().map(|s| (*s).to_owned()).collect();
    args.push(format!("-I{}", paths::text(&paths::include_dir())));
    // Compile to an object: -fsyntax-only would skip some diagnostics.
    args.extend(["-c".to_owned(), paths::text(&src), "-o".to_owned(), paths::text(&dir.join("tu.o"))]);
    c::run_compiler(&if cplusplus { c::cxx() } else { c::cc() }, &args)
}

const HEADERS: [&str; 3] = ["flaghal.h", "flaghal_plugin.h", "flaghal_cpu_kernel.h"];

#[test]
fn each_header_alone_compiles_as_strict_c99() {
    let failures: Vec<String> = HEADERS.iter().filter_map(|h| compile_alone(h, false).err()).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn each_header_alone_compiles_as_strict_cxx11() {
    let failures: Vec<String> = HEADERS.iter().filter_map(|h| compile_alone(h, true).err()).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn a_header_error_is_reported_not_hidden() {
    // The harness itself must be able to fail: a unit using an undeclared
    // name has to be rejected, or the two tests above prove nothing.
    let dir = paths::scratch_dir("headers-negative");
    let src = dir.join("bad.c");
    std::fs::write(&src, "#include <flaghal/flaghal.h>\nint f(void) { return fhNoSuchFunction(); }\n").unwrap();
    let mut args: Vec<String> = C99_STRICT.iter().map(|s| (*s).to_owned()).collect();
    args.extend([format!("-I{}", paths::text(&paths::include_dir())), "-c".into(), paths::text(&src)]);
    args.extend(["-o".to_owned(), paths::text(&dir.join("bad.o"))]);
    assert!(c::run_compiler(&c::cc(), &args).is_err());
}

/// Size of a struct field, from a projection closure.
fn field_size<T, F>(_project: fn(&T) -> &F) -> usize {
    size_of::<F>()
}

/// One line of the layout report: "type member offset size".
type Row = (String, String, usize, usize);

/// Rows for each struct: its size and alignment, then every field's offset
/// and size. The same list generates the C program, so C and Rust report the
/// same rows or the comparison fails.
macro_rules! layout {
    ($($ty:ident { $($field:ident),* $(,)? })*) => {{
        let mut rows: Vec<Row> = Vec::new();
        $(
            rows.push((stringify!($ty).into(), "(sizeof)".into(), size_of::<$ty>(), 0));
            rows.push((stringify!($ty).into(), "(alignof)".into(), align_of::<$ty>(), 0));
            $(
                rows.push((
                    stringify!($ty).into(),
                    stringify!($field).into(),
                    offset_of!($ty, $field),
                    field_size(|s: &$ty| &s.$field),
                ));
            )*
        )*
        rows
    }};
}

fn rust_layout() -> Vec<Row> {
    layout! {
        fh_plugin_info_t { struct_size, next, name, vendor, version, library_path, manifest_path,
            abi_version, status, skip_reason, skip_detail, device_count }
        fh_device_properties_t { struct_size, next, name, vendor, plugin_name, type_, uuid, total_memory,
            compute_units, max_threads_per_block, max_block_dim, max_grid_dim, subgroup_size,
            max_shared_memory_per_block, max_kernel_args_size, memory_alignment, module_format_count,
            module_formats, capabilities, plugin_device_index }
        fh_plugin_host_services_t { struct_size, next, context, log, set_error_detail }
        fh_plugin_init_args_t { struct_size, next, abi_version, host }
        fh_plugin_launch_params_t { struct_size, next, grid, block, shared_mem_bytes, args, args_size }
        fh_plugin_api_t { struct_size, next, name, vendor, version, init, device_count, device_get,
            device_get_properties, device_synchronize, mem_get_info, mem_alloc, mem_free, mem_alloc_host,
            mem_free_host, memcpy_htod, memcpy_dtoh, memcpy_dtod, memcpy_htod_async, memcpy_dtoh_async,
            memcpy_dtod_async, memset, memset_async, stream_create, stream_destroy, stream_synchronize,
            stream_query, stream_wait_event, launch_host_func, event_create, event_destroy, event_record,
            event_synchronize, event_query, event_elapsed_time, module_load, module_unload,
            module_get_function, function_get_attribute, launch_kernel }
        fh_plugin_negotiate_args_t { struct_size, next, loader_abi_major, loader_abi_min_minor,
            loader_abi_max_minor, plugin_abi_major, plugin_abi_minor, api }
        fh_cpu_kernel_context_t { struct_size, grid_dim, block_dim, block_idx, shared_memory,
            shared_memory_size, fail, reserved, args_size }
        fh_cpu_kernel_meta_t { struct_size, abi_version, max_threads_per_block, static_shared_bytes }
        fh_module_bundle_header_t { magic, version, header_size, total_size, image_count, image_entry_size,
            images_offset, kernel_count, kernel_entry_size, kernels_offset }
        fh_module_bundle_image_t { format, flags, offset, size, target_offset }
        fh_module_bundle_kernel_t { name_offset, params_size, flags }
        fh_status_t {}
        fh_deviceptr_t {}
        fh_plugin_status_t {}
        fh_plugin_skip_reason_t {}
        fh_device_type_t {}
        fh_module_format_t {}
        fh_function_attribute_t {}
        fh_log_level_t {}
    }
}

/// A C program printing the same rows, from the same list of names.
fn c_layout_program(rows: &[Row]) -> String {
    let mut src = String::from(
        "#include <flaghal/flaghal_plugin.h>\n#include <flaghal/flaghal_cpu_kernel.h>\n#include <stdio.h>\n\
         #define ALIGNOF(T) offsetof(struct { char c; T t; }, t)\nint main(void) {\n",
    );
    for (ty, field, _, _) in rows {
        let line = match field.as_str() {
            "(sizeof)" => format!("sizeof({ty}), (size_t)0"),
            "(alignof)" => format!("ALIGNOF({ty}), (size_t)0"),
            // bindgen renames the C member `type` (a Rust keyword) to `type_`.
            f => {
                let member = f.strip_suffix('_').unwrap_or(f);
                format!("offsetof({ty}, {member}), sizeof((({ty} *)0)->{member})")
            }
        };
        src.push_str(&format!("    printf(\"%s %s %zu %zu\\n\", \"{ty}\", \"{field}\", {line});\n"));
    }
    src.push_str("    return 0;\n}\n");
    src
}

fn run_c(src_text: &str, dir: &Path) -> String {
    let src = dir.join("layout.c");
    let exe = dir.join("layout");
    std::fs::write(&src, src_text).unwrap();
    let mut args: Vec<String> = C99_STRICT.iter().map(|s| (*s).to_owned()).collect();
    args.extend([format!("-I{}", paths::text(&paths::include_dir())), paths::text(&src)]);
    args.extend(["-o".to_owned(), paths::text(&exe)]);
    c::run_compiler(&c::cc(), &args).unwrap_or_else(|e| panic!("{e}"));
    let out = Command::new(&exe).output().expect("run the layout program");
    assert!(out.status.success(), "layout program failed: {out:?}");
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

fn format_rows(rows: &[Row]) -> String {
    rows.iter().map(|(t, f, o, s)| format!("{t} {f} {o} {s}\n")).collect()
}

#[test]
fn c_struct_layout_equals_the_rust_bindings() {
    let rows = rust_layout();
    assert!(rows.len() > 100, "the layout list covers every field of every ABI struct");
    let c_output = run_c(&c_layout_program(&rows), &paths::scratch_dir("headers-layout"));
    let rust_output = format_rows(&rows);
    let differences: Vec<String> = c_output
        .lines()
        .zip(rust_output.lines())
        .filter(|(c, r)| c != r)
        .map(|(c, r)| format!("C: {c}\nRust: {r}"))
        .collect();
    assert_eq!(c_output.lines().count(), rows.len(), "C printed every row");
    assert!(differences.is_empty(), "layout differs:\n{}", differences.join("\n"));
}

#[test]
fn the_1_0_struct_size_macros_end_at_the_last_1_0_field() {
    // FH_*_STRUCT_SIZE_1_0 = offsetof(last) + sizeof(last): what the loader
    // and plugins accept as the smallest size. Computed in C, checked here.
    let program = "#include <flaghal/flaghal_plugin.h>\n#include <stdio.h>\nint main(void) {\n\
        printf(\"%zu %zu %zu %zu %zu %zu %zu\\n\", FH_PLUGIN_API_STRUCT_SIZE_1_0, FH_PLUGIN_NEGOTIATE_ARGS_STRUCT_SIZE_1_0,\n\
        FH_PLUGIN_INIT_ARGS_STRUCT_SIZE_1_0, FH_PLUGIN_LAUNCH_PARAMS_STRUCT_SIZE_1_0,\n\
        FH_PLUGIN_HOST_SERVICES_STRUCT_SIZE_1_0, FH_PLUGIN_API_STRUCT_SIZE_1_1, FH_POINTER_ATTRIBUTES_STRUCT_SIZE_1_2);\n    return 0;\n}\n";
    let out = run_c(program, &paths::scratch_dir("headers-size-macros"));
    let expected = format!(
        "{} {} {} {} {} {} {}\n",
        struct_sizes::FH_PLUGIN_API_STRUCT_SIZE_1_0,
        struct_sizes::FH_PLUGIN_NEGOTIATE_ARGS_STRUCT_SIZE_1_0,
        struct_sizes::FH_PLUGIN_INIT_ARGS_STRUCT_SIZE_1_0,
        struct_sizes::FH_PLUGIN_LAUNCH_PARAMS_STRUCT_SIZE_1_0,
        struct_sizes::FH_PLUGIN_HOST_SERVICES_STRUCT_SIZE_1_0,
        struct_sizes::FH_PLUGIN_API_STRUCT_SIZE_1_1,
        struct_sizes::FH_POINTER_ATTRIBUTES_STRUCT_SIZE_1_2,
    );
    assert_eq!(out, expected);
}
