//! What a kernel source declares, read from its text: the one FH_KERNEL or
//! FH_KERNEL_RAW line naming the kernel and its parameter struct. Pure.

use std::path::{Path, PathBuf};

/// A kernel source file and the kernel it defines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KernelSource {
    pub path: PathBuf,
    /// The kernel's name (the entry point and the native symbol).
    pub name: String,
    /// The parameter struct; None for FH_KERNEL_RAW kernels.
    pub args_type: Option<String>,
}

fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_') && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Finds the kernel a source defines: exactly one line starting with
/// `FH_KERNEL(name, args_type)` or `FH_KERNEL_RAW(name)` (after blanks).
pub fn scan(path: &Path, text: &str) -> Result<KernelSource, String> {
    let mut found: Vec<(usize, String, Option<String>)> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim_start();
        let (raw, rest) = if let Some(rest) = line.strip_prefix("FH_KERNEL_RAW(") {
            (true, rest)
        } else if let Some(rest) = line.strip_prefix("FH_KERNEL(") {
            (false, rest)
        } else {
            continue;
        };
        let inside = rest.split(')').next().unwrap_or_default();
        let parts: Vec<&str> = inside.split(',').map(str::trim).collect();
        let where_ = format!("{}:{}", path.display(), index + 1);
        let (name, args_type) = match (raw, parts.as_slice()) {
            (true, [name]) => (name.to_string(), None),
            (false, [name, args]) => (name.to_string(), Some(args.to_string())),
            (true, _) => return Err(format!("{where_}: FH_KERNEL_RAW takes one argument, the kernel name")),
            (false, _) => return Err(format!("{where_}: FH_KERNEL takes two arguments, the kernel name and its parameter struct")),
        };
        if !is_identifier(&name) || !args_type.as_deref().is_none_or(is_identifier) {
            return Err(format!("{where_}: {inside:?} does not name a kernel and a struct with C identifiers"));
        }
        found.push((index + 1, name, args_type));
    }
    match found.len() {
        1 => {
            let (_, name, args_type) = found.remove(0);
            Ok(KernelSource { path: path.to_path_buf(), name, args_type })
        }
        0 => Err(format!("{}: no line starts with FH_KERNEL( or FH_KERNEL_RAW(; a kernel source defines one kernel", path.display())),
        _ => {
            let lines: Vec<String> = found.iter().map(|(line, name, _)| format!("{name} (line {line})")).collect();
            Err(format!("{}: defines {} kernels, {}; write one kernel per source file", path.display(), found.len(), lines.join(", ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kernel_line_names_the_kernel_and_its_parameters() {
        let src = "#include <flaghal/flaghal_kernel.h>\nFH_STRUCT(a) { uint32_t n; };\n  FH_KERNEL( fill_u32 , fill_args ) {\n}\n";
        let k = scan(Path::new("fill.fhk"), src).unwrap();
        assert_eq!((k.name.as_str(), k.args_type.as_deref()), ("fill_u32", Some("fill_args")));
        let raw = scan(Path::new("probe.fhk"), "FH_KERNEL_RAW(args_probe) {\n}\n").unwrap();
        assert_eq!((raw.name.as_str(), raw.args_type), ("args_probe", None));
    }

    #[test]
    fn zero_two_or_malformed_kernel_lines_are_refused() {
        assert!(scan(Path::new("x.fhk"), "int x;\n").unwrap_err().contains("no line starts with FH_KERNEL"));
        let two = "FH_KERNEL(a, s) {}\nFH_KERNEL(b, s) {}\n";
        assert!(scan(Path::new("x.fhk"), two).unwrap_err().contains("a (line 1), b (line 2)"));
        assert!(scan(Path::new("x.fhk"), "FH_KERNEL(a) {}\n").unwrap_err().contains("two arguments"));
        assert!(scan(Path::new("x.fhk"), "FH_KERNEL_RAW(a, b) {}\n").unwrap_err().contains("one argument"));
        assert!(scan(Path::new("x.fhk"), "FH_KERNEL(1a, s) {}\n").unwrap_err().contains("C identifiers"));
    }
}
