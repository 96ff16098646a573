//! The plugin's PTX checks and parameter-size reader against the PTX this
//! repository ships (conformance/kernels/ptx/, c-examples/kernels/ptx/, made
//! by the kernel language's clang target): every file is a valid unit, an
//! image of all of them joined with NULs (the PTX convention's multi-unit
//! image, as flaghal-kernel writes it) splits back into them, and each
//! kernel's parameter size is read. No GPU involved.

use flaghal_cuda::{image, ptx};
use std::path::PathBuf;

fn committed() -> Vec<(String, Vec<u8>)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    for dir in ["conformance/kernels/ptx", "c-examples/kernels/ptx"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap_or_else(|e| panic!("{dir}: {e}")) {
            let path = entry.expect("dir entry").path();
            if path.extension().is_some_and(|e| e == "ptx") {
                let stem = path.file_stem().expect("stem").to_string_lossy().into_owned();
                files.push((stem, std::fs::read(&path).expect("read")));
            }
        }
    }
    files.sort();
    assert!(files.len() >= 15, "the committed PTX: {:?}", files.iter().map(|(n, _)| n).collect::<Vec<_>>());
    files
}

#[test]
fn every_committed_kernel_is_a_valid_unit_with_its_parameter_size() {
    for (name, bytes) in committed() {
        let units = image::check_ptx(&bytes).unwrap_or_else(|e| panic!("{name}.ptx: {e}"));
        assert_eq!(units.len(), 1, "{name}.ptx");
        let sizes = ptx::entry_param_sizes(&String::from_utf8_lossy(&bytes));
        let size = *sizes.get(&name).unwrap_or_else(|| panic!("{name}.ptx: no .entry {name} read: {sizes:?}"));
        assert!(size > 0 && size <= 4096, "{name}: {size} bytes of parameters");
    }
}

#[test]
fn known_layouts_are_read_exactly() {
    let files = committed();
    let size_of = |kernel: &str| {
        let (_, bytes) = files.iter().find(|(n, _)| n == kernel).unwrap_or_else(|| panic!("{kernel}.ptx"));
        ptx::entry_param_sizes(&String::from_utf8_lossy(bytes))[kernel]
    };
    assert_eq!(size_of("fill_u32"), 16, "dst @0, value @8, count @12");
    assert_eq!(size_of("args_probe"), 4096, "a raw kernel takes the whole blob");
    assert_eq!(size_of("wide_args"), 512, "dst @0, words[126] @8");
}

#[test]
fn the_joined_image_splits_into_its_units() {
    let files = committed();
    let mut image = Vec::new();
    for (_, bytes) in &files {
        image.extend_from_slice(bytes);
        image.push(0);
    }
    let units = image::check_ptx(&image).expect("a multi-unit image");
    assert_eq!(units.len(), files.len());
    for (unit, (name, bytes)) in units.iter().zip(&files) {
        assert_eq!(&unit[..unit.len() - 1], &bytes[..], "{name}");
    }
}
