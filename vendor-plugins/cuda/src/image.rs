//! Validation of module bytes before the driver sees them (pure):
//! FH_MODULE_FORMAT_PTX images (one or more NUL-separated units of text)
//! and FH_MODULE_FORMAT_CUBIN ELF files. The
//! driver would refuse most bad images itself, but with less precise
//! messages, and a truncated ELF is better caught by checked offsets than
//! by trusting the driver's parser. What passes here can still be refused
//! by the driver (a PTX syntax error, a cubin for another GPU): then the
//! JIT's error log is the detail (module.rs).

/// Why the bytes are not a module of the format; the detail of FH_ERROR_INVALID_IMAGE.
pub type ImageError = String;

/// Skips whitespace and comments (`// ...` and `/* ... */`) from `at`.
fn skip_trivia(text: &str, mut at: usize) -> usize {
    let bytes = text.as_bytes();
    loop {
        while at < bytes.len() && bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        if text[at..].starts_with("//") {
            at = text[at..].find('\n').map_or(bytes.len(), |n| at + n + 1);
        } else if text[at..].starts_with("/*") {
            match text[at + 2..].find("*/") {
                Some(n) => at = at + 2 + n + 2,
                None => return bytes.len(),
            }
        } else {
            return at;
        }
    }
}

/// Whether `directive` (".target") appears as a token in `text`.
fn has_directive(text: &str, directive: &str) -> bool {
    text.match_indices(directive).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + directive.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
            && after.is_some_and(|c| c.is_ascii_whitespace())
    })
}

/// Checks one PTX unit (text without NUL bytes): UTF-8, starting after
/// comments with `.version`, with a `.target` directive (PTX ISA, "Module
/// Directives"). `which` names it in the detail.
fn check_unit(body: &[u8], which: &str) -> Result<(), ImageError> {
    let text = std::str::from_utf8(body).map_err(|e| {
        let at = e.valid_up_to();
        format!("PTX is text, but byte {at} of {which} ({:#04x}) is not UTF-8 (a binary file or a damaged one?)", body[at])
    })?;
    let first = skip_trivia(text, 0);
    if !text[first..].starts_with(".version") {
        let shown: String = text[first..].chars().take(24).collect();
        return Err(format!("PTX must start with a .version directive; {which} starts with {shown:?}"));
    }
    if !has_directive(text, ".target") {
        return Err(format!("{which} has no .target directive (truncated?)"));
    }
    Ok(())
}

/// Splits a PTX image into its units and checks each: the PTX convention
/// (docs/kernels.md) makes an image one or more PTX units, each ending with
/// a NUL byte, the last one's optional. Returns the units' text, each
/// NUL-terminated as cuModuleLoadDataEx and cuLinkAddData read PTX (C strings).
pub fn check_ptx(bytes: &[u8]) -> Result<Vec<Vec<u8>>, ImageError> {
    let end = bytes.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
    if end == 0 {
        return Err(format!("PTX: {} bytes with no text", bytes.len()));
    }
    let mut units = Vec::new();
    let mut offset = 0usize;
    for (i, body) in bytes[..end].split(|b| *b == 0).enumerate() {
        let which = format!("unit {} (at byte {offset})", i + 1);
        if body.is_empty() {
            return Err(format!("PTX {which} is empty: two NUL bytes in a row (units end with one NUL each)"));
        }
        check_unit(body, &which)?;
        let mut unit = body.to_vec();
        unit.push(0);
        units.push(unit);
        offset += body.len() + 1;
    }
    Ok(units)
}

const EM_CUDA: u16 = 190;
const SHT_NOBITS: u32 = 8;

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

/// Whether `count` entries of `size` bytes from `offset` lie inside `len` bytes.
fn table_fits(offset: u64, size: u64, count: u64, len: usize) -> bool {
    size.checked_mul(count).and_then(|bytes| offset.checked_add(bytes)).is_some_and(|end| end <= len as u64)
}

/// Checks that `bytes` is a 64-bit little-endian ELF for NVIDIA GPUs
/// (e_machine EM_CUDA, 190) whose program headers, section headers and
/// sections lie inside the buffer. Which GPU it was built for is the
/// driver's to judge (CUDA_ERROR_NO_BINARY_FOR_GPU).
pub fn check_cubin(bytes: &[u8]) -> Result<(), ImageError> {
    let len = bytes.len();
    if len < 64 {
        return Err(format!("a cubin is an ELF file; {len} bytes cannot hold an ELF header (64 bytes)"));
    }
    if bytes[..4] != [0x7f, b'E', b'L', b'F'] {
        let hint = if u32_at(bytes, 0) == 0xBA55_ED50 { " (this is a fatbinary, not a cubin)" } else { "" };
        return Err(format!("a cubin is an ELF file; the magic is {:02x?}{hint}", &bytes[..4]));
    }
    if bytes[4] != 2 || bytes[5] != 1 {
        return Err(format!("a cubin is a 64-bit little-endian ELF; this one has class {} and data encoding {}", bytes[4], bytes[5]));
    }
    let machine = u16_at(bytes, 18);
    if machine != EM_CUDA {
        return Err(format!("the ELF is built for machine {machine}, not {EM_CUDA} (NVIDIA CUDA)"));
    }
    let (phoff, phentsize, phnum) = (u64_at(bytes, 32), u64::from(u16_at(bytes, 54)), u64::from(u16_at(bytes, 56)));
    let (shoff, shentsize, shnum) = (u64_at(bytes, 40), u64::from(u16_at(bytes, 58)), u64::from(u16_at(bytes, 60)));
    if phnum > 0 && (phentsize < 56 || !table_fits(phoff, phentsize, phnum, len)) {
        return Err(format!("the ELF's {phnum} program headers at offset {phoff} do not fit in its {len} bytes (truncated?)"));
    }
    if shnum == 0 {
        return Err("the ELF has no section headers; a cubin has its code in sections".to_string());
    }
    if shentsize < 64 || !table_fits(shoff, shentsize, shnum, len) {
        return Err(format!("the ELF's {shnum} section headers at offset {shoff} do not fit in its {len} bytes (truncated?)"));
    }
    for i in 0..shnum {
        let at = (shoff + i * shentsize) as usize;
        let kind = u32_at(bytes, at + 4);
        let (offset, size) = (u64_at(bytes, at + 24), u64_at(bytes, at + 32));
        if kind != SHT_NOBITS && !table_fits(offset, size, 1, len) {
            return Err(format!("section {i} ({size} bytes at offset {offset}) lies outside the ELF's {len} bytes (truncated?)"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PTX: &str = "// Generated by a compiler\n/* block\n comment */\n.version 7.8\n.target sm_70\n.address_size 64\n\n.visible .entry fill_u32(\n\t.param .u64 fill_u32_param_0\n)\n{\n\tret;\n}\n";

    #[test]
    fn good_ptx_is_returned_nul_terminated() {
        let units = check_ptx(PTX.as_bytes()).expect("valid PTX");
        assert_eq!(units.len(), 1);
        assert_eq!(units[0].last(), Some(&0));
        assert_eq!(&units[0][..units[0].len() - 1], PTX.as_bytes());
        let mut with_nuls = PTX.as_bytes().to_vec();
        with_nuls.extend([0, 0]);
        assert_eq!(check_ptx(&with_nuls).expect("trailing NULs are fine"), units);
    }

    #[test]
    fn an_image_of_several_units_has_one_nul_after_each() {
        let mut image = PTX.as_bytes().to_vec();
        image.push(0);
        image.extend(PTX.as_bytes());
        let units = check_ptx(&image).expect("two units, the last without its NUL");
        assert_eq!(units.len(), 2);
        assert!(units.iter().all(|u| u.last() == Some(&0) && u.iter().filter(|b| **b == 0).count() == 1));
        let mut doubled = PTX.as_bytes().to_vec();
        doubled.extend([0, 0]);
        doubled.extend(PTX.as_bytes());
        assert!(check_ptx(&doubled).unwrap_err().contains("unit 2"), "an empty unit between two");
        let mut second_bad = PTX.as_bytes().to_vec();
        second_bad.push(0);
        second_bad.extend(b"hello");
        let err = check_ptx(&second_bad).unwrap_err();
        assert!(err.contains("unit 2") && err.contains(".version"), "{err}");
    }

    #[test]
    fn what_the_conformance_suite_feeds_a_ptx_device_is_refused() {
        let random: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        assert!(check_ptx(&random).is_err(), "random bytes");
        assert!(check_ptx(b"x").unwrap_err().contains(".version"), "one byte");
        assert!(check_ptx(&[0; 16]).unwrap_err().contains("no text"), "sixteen zero bytes");
        let mut corrupt = PTX.as_bytes().to_vec();
        for b in &mut corrupt[..16] {
            *b = !*b;
        }
        assert!(check_ptx(&corrupt).unwrap_err().contains("not UTF-8"), "first 16 bytes inverted");
        assert!(check_ptx(&PTX.as_bytes()[..60]).unwrap_err().contains(".target"), "cut before .target");
        assert!(check_ptx(b".version 7.8\n.targets sm_70\n").is_err(), ".targets is not .target");
    }

    /// A minimal ELF64 header (+ one section header) for EM_CUDA.
    fn cubin() -> Vec<u8> {
        let mut b = vec![0u8; 64 + 64 + 16];
        b[..4].copy_from_slice(&[0x7f, b'E', b'L', b'F']);
        b[4] = 2;
        b[5] = 1;
        b[18..20].copy_from_slice(&EM_CUDA.to_le_bytes());
        b[40..48].copy_from_slice(&64u64.to_le_bytes()); // e_shoff
        b[58..60].copy_from_slice(&64u16.to_le_bytes()); // e_shentsize
        b[60..62].copy_from_slice(&1u16.to_le_bytes()); // e_shnum
        let sh = 64;
        b[sh + 4..sh + 8].copy_from_slice(&1u32.to_le_bytes()); // SHT_PROGBITS
        b[sh + 24..sh + 32].copy_from_slice(&128u64.to_le_bytes()); // sh_offset
        b[sh + 32..sh + 40].copy_from_slice(&16u64.to_le_bytes()); // sh_size
        b
    }

    #[test]
    fn a_well_formed_cuda_elf_passes() {
        check_cubin(&cubin()).expect("valid");
    }

    #[test]
    fn damaged_or_foreign_elves_are_refused() {
        let good = cubin();
        assert!(check_cubin(&good[..good.len() / 2]).is_err(), "the first half");
        assert!(check_cubin(&good[..64]).unwrap_err().contains("section headers"), "header only");
        assert!(check_cubin(&good[..good.len() - 1]).unwrap_err().contains("section 0"), "section cut by one byte");
        let mut corrupt = good.clone();
        for b in &mut corrupt[..16] {
            *b = !*b;
        }
        assert!(check_cubin(&corrupt).unwrap_err().contains("magic"));
        let mut x86 = good.clone();
        x86[18..20].copy_from_slice(&62u16.to_le_bytes());
        assert!(check_cubin(&x86).unwrap_err().contains("machine 62"));
        let mut fatbin = good.clone();
        fatbin[..4].copy_from_slice(&0xBA55_ED50u32.to_le_bytes());
        assert!(check_cubin(&fatbin).unwrap_err().contains("fatbinary"));
        assert!(check_cubin(&[0x7f, b'E', b'L', b'F']).unwrap_err().contains("4 bytes"));
        let mut huge = good.clone();
        huge[60..62].copy_from_slice(&u16::MAX.to_le_bytes());
        assert!(check_cubin(&huge).is_err(), "a section count past the end");
    }
}
