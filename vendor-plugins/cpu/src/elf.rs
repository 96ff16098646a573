//! Validation of FH_MODULE_FORMAT_NATIVE_CPU bytes before they reach dlopen:
//! an ELF shared object built for this host, with its header, program header
//! table, loadable segments and section header table inside the buffer.
//! Pure functions over a byte slice; every rejection says exactly why.

use flaghal_sys::{FfiError, FfiResult, FH_ERROR_INVALID_IMAGE};

const ELF_MAGIC: &[u8; 4] = b"\x7fELF";
const ELFCLASS64: u8 = 2;
const ELFDATA2LSB: u8 = 1;
const ELFDATA2MSB: u8 = 2;
const EV_CURRENT: u8 = 1;
const ET_DYN: u16 = 3;
const PT_LOAD: u32 = 1;
const EHDR64_SIZE: usize = 64;
const PHDR64_SIZE: usize = 56;
const SHDR64_SIZE: usize = 64;

/// The ELF machine number of the architecture this plugin was built for.
pub const HOST_MACHINE: u16 = if cfg!(target_arch = "x86_64") {
    62
} else if cfg!(target_arch = "aarch64") {
    183
} else if cfg!(target_arch = "riscv64") {
    243
} else if cfg!(target_arch = "powerpc64") {
    21
} else if cfg!(target_arch = "s390x") {
    22
} else if cfg!(target_arch = "loongarch64") {
    258
} else {
    0
};

/// A readable name for an ELF machine number.
pub fn machine_name(machine: u16) -> &'static str {
    match machine {
        3 => "x86 (i386)",
        8 => "MIPS",
        20 => "PowerPC",
        21 => "PowerPC64",
        22 => "s390",
        40 => "ARM (32-bit)",
        62 => "x86-64",
        183 => "AArch64",
        243 => "RISC-V",
        258 => "LoongArch",
        _ => "unknown machine",
    }
}

fn invalid(message: String) -> FfiError {
    FfiError::new(FH_ERROR_INVALID_IMAGE, message)
}

/// Reads integers in the file's byte order.
struct Reader<'a> {
    bytes: &'a [u8],
    little: bool,
}

impl Reader<'_> {
    fn u16(&self, at: usize) -> u16 {
        let b = [self.bytes[at], self.bytes[at + 1]];
        if self.little { u16::from_le_bytes(b) } else { u16::from_be_bytes(b) }
    }
    fn u32(&self, at: usize) -> u32 {
        let b: [u8; 4] = self.bytes[at..at + 4].try_into().expect("4 bytes");
        if self.little { u32::from_le_bytes(b) } else { u32::from_be_bytes(b) }
    }
    fn u64(&self, at: usize) -> u64 {
        let b: [u8; 8] = self.bytes[at..at + 8].try_into().expect("8 bytes");
        if self.little { u64::from_le_bytes(b) } else { u64::from_be_bytes(b) }
    }
}

/// Checks that a table of `count` entries of `entry_size` bytes at `offset`
/// lies inside `len` bytes.
fn table_fits(offset: u64, count: u64, entry_size: u64, len: usize) -> bool {
    count.checked_mul(entry_size).and_then(|size| offset.checked_add(size)).is_some_and(|end| end <= len as u64)
}

/// Validates `bytes` as an ELF shared object for this host.
pub fn validate(bytes: &[u8]) -> FfiResult {
    if bytes.len() < 4 || &bytes[..4] != ELF_MAGIC {
        let head: Vec<String> = bytes.iter().take(4).map(|b| format!("{b:02x}")).collect();
        return Err(invalid(format!(
            "not an ELF file: the first bytes are [{}], an ELF file starts with 7f 45 4c 46",
            head.join(" ")
        )));
    }
    if bytes.len() < EHDR64_SIZE {
        return Err(invalid(format!("truncated: {} bytes, shorter than the 64-byte ELF header", bytes.len())));
    }
    if cfg!(not(target_pointer_width = "64")) {
        return Err(invalid("this plugin build supports 64-bit hosts only".to_string()));
    }
    if bytes[4] != ELFCLASS64 {
        return Err(invalid(format!("ELF class {} is not ELFCLASS64 (2), which this 64-bit host needs", bytes[4])));
    }
    let host_data = if cfg!(target_endian = "little") { ELFDATA2LSB } else { ELFDATA2MSB };
    if bytes[5] != host_data {
        return Err(invalid(format!(
            "ELF byte order {} does not match this host's ({host_data}: {})",
            bytes[5],
            if host_data == ELFDATA2LSB { "little endian" } else { "big endian" }
        )));
    }
    if bytes[6] != EV_CURRENT {
        return Err(invalid(format!("ELF version {} is not EV_CURRENT (1)", bytes[6])));
    }
    let r = Reader { bytes, little: bytes[5] == ELFDATA2LSB };
    let e_type = r.u16(16);
    if e_type != ET_DYN {
        let kind = match e_type {
            1 => "ET_REL, an object file (link it with -shared)",
            2 => "ET_EXEC, an executable",
            4 => "ET_CORE, a core dump",
            _ => "unknown",
        };
        return Err(invalid(format!("ELF type {e_type} ({kind}); a module must be a shared object (ET_DYN, 3)")));
    }
    let machine = r.u16(18);
    if machine != HOST_MACHINE {
        return Err(invalid(format!(
            "built for machine {machine} ({}); this host is {HOST_MACHINE} ({})",
            machine_name(machine),
            machine_name(HOST_MACHINE)
        )));
    }
    let (phoff, shoff) = (r.u64(32), r.u64(40));
    let (ehsize, phentsize, phnum) = (r.u16(52), r.u16(54), r.u16(56));
    let (shentsize, shnum) = (r.u16(58), r.u16(60));
    if usize::from(ehsize) < EHDR64_SIZE {
        return Err(invalid(format!("ELF header size {ehsize} is below 64")));
    }
    if phnum == 0 {
        return Err(invalid("no program headers: nothing to load".to_string()));
    }
    if usize::from(phentsize) != PHDR64_SIZE {
        return Err(invalid(format!("program header entry size {phentsize} is not 56")));
    }
    if !table_fits(phoff, phnum.into(), phentsize.into(), bytes.len()) {
        return Err(invalid(format!(
            "truncated: the program header table ({phnum} entries at offset {phoff}) ends past the {} bytes given",
            bytes.len()
        )));
    }
    for index in 0..usize::from(phnum) {
        let at = phoff as usize + index * PHDR64_SIZE;
        if r.u32(at) != PT_LOAD {
            continue;
        }
        let (offset, file_size) = (r.u64(at + 8), r.u64(at + 32));
        if !table_fits(offset, 1, file_size, bytes.len()) {
            return Err(invalid(format!(
                "truncated: loadable segment {index} (offset {offset}, {file_size} bytes) ends past the {} bytes given",
                bytes.len()
            )));
        }
    }
    if shoff != 0 && shnum != 0 {
        if usize::from(shentsize) != SHDR64_SIZE {
            return Err(invalid(format!("section header entry size {shentsize} is not 64")));
        }
        if !table_fits(shoff, shnum.into(), shentsize.into(), bytes.len()) {
            return Err(invalid(format!(
                "truncated: the section header table ({shnum} entries at offset {shoff}) ends past the {} bytes given",
                bytes.len()
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal, valid-looking ELF64 shared object header with one PT_LOAD.
    fn tiny_elf() -> Vec<u8> {
        let mut b = vec![0u8; 64 + 56 + 16];
        b[..4].copy_from_slice(ELF_MAGIC);
        b[4] = ELFCLASS64;
        b[5] = if cfg!(target_endian = "little") { ELFDATA2LSB } else { ELFDATA2MSB };
        b[6] = EV_CURRENT;
        let put16 = |b: &mut Vec<u8>, at: usize, v: u16| b[at..at + 2].copy_from_slice(&v.to_ne_bytes());
        let put64 = |b: &mut Vec<u8>, at: usize, v: u64| b[at..at + 8].copy_from_slice(&v.to_ne_bytes());
        put16(&mut b, 16, ET_DYN);
        put16(&mut b, 18, HOST_MACHINE);
        put64(&mut b, 32, 64);
        put16(&mut b, 52, 64);
        put16(&mut b, 54, 56);
        put16(&mut b, 56, 1);
        b[64..68].copy_from_slice(&PT_LOAD.to_ne_bytes());
        put64(&mut b, 64 + 8, 0);
        put64(&mut b, 64 + 32, 136);
        b
    }

    fn message(bytes: &[u8]) -> String {
        let err = validate(bytes).unwrap_err();
        assert_eq!(err.status, FH_ERROR_INVALID_IMAGE);
        err.message
    }

    #[test]
    fn a_well_formed_header_passes() {
        validate(&tiny_elf()).unwrap();
    }

    #[test]
    fn each_defect_is_named() {
        assert!(message(b"hello world").contains("not an ELF file"));
        assert!(message(&[]).contains("not an ELF file"));
        assert!(message(&tiny_elf()[..40]).contains("shorter than the 64-byte ELF header"));
        let mut b = tiny_elf();
        b[4] = 1;
        assert!(message(&b).contains("ELFCLASS64"));
        let mut b = tiny_elf();
        b[5] = 3 - b[5];
        assert!(message(&b).contains("byte order"));
        let mut b = tiny_elf();
        b[16..18].copy_from_slice(&1u16.to_ne_bytes());
        assert!(message(&b).contains("ET_REL"));
        let mut b = tiny_elf();
        let foreign = if HOST_MACHINE == 183 { 62u16 } else { 183u16 };
        b[18..20].copy_from_slice(&foreign.to_ne_bytes());
        assert!(message(&b).contains("built for machine"));
        assert!(message(&tiny_elf()[..100]).contains("program header table"));
        assert!(message(&tiny_elf()[..130]).contains("loadable segment 0"));
        let mut b = tiny_elf();
        b[40..48].copy_from_slice(&100u64.to_ne_bytes());
        b[58..60].copy_from_slice(&64u16.to_ne_bytes());
        b[60..62].copy_from_slice(&3u16.to_ne_bytes());
        assert!(message(&b).contains("section header table"));
    }
}
