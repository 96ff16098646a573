//! Pure mapping and parsing functions (house rule 5, like wgpu-hal's
//! `conv.rs`): no I/O, no global state, no pointers. Everything here is unit
//! tested below; the rest of the plugin calls these to decide.

use flaghal_sys::{FfiError, FfiResult, FH_ERROR_INVALID_VALUE};

/// The value of the first `key : value` line of a /proc/cpuinfo-style text.
pub fn proc_field<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines().find_map(|line| {
        let (k, v) = line.split_once(':')?;
        (k.trim() == key).then(|| v.trim()).filter(|v| !v.is_empty())
    })
}

/// The CPU's marketing name from /proc/cpuinfo ("model name" on x86, "Model"
/// or "cpu model" elsewhere), or "Host CPU".
pub fn cpu_name(cpuinfo: &str) -> String {
    ["model name", "Model", "cpu model", "Processor"]
        .iter()
        .find_map(|key| proc_field(cpuinfo, key))
        .map(|name| name.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "Host CPU".to_string())
}

/// The vendor from /proc/cpuinfo's vendor_id (x86) or "CPU implementer"
/// (Arm, JEDEC code), mapped to a readable name; unknown ids pass through.
pub fn cpu_vendor(cpuinfo: &str) -> String {
    if let Some(id) = proc_field(cpuinfo, "vendor_id") {
        return match id {
            "GenuineIntel" => "Intel".to_string(),
            "AuthenticAMD" => "AMD".to_string(),
            "HygonGenuine" => "Hygon".to_string(),
            "CentaurHauls" => "Centaur".to_string(),
            "  Shanghai  " | "Shanghai" => "Zhaoxin".to_string(),
            other => other.to_string(),
        };
    }
    match proc_field(cpuinfo, "CPU implementer") {
        Some("0x41") => "Arm".to_string(),
        Some("0x48") => "HiSilicon".to_string(),
        Some("0x51") => "Qualcomm".to_string(),
        Some("0x61") => "Apple".to_string(),
        Some("0xc0") => "Ampere".to_string(),
        Some(other) => format!("CPU implementer {other}"),
        None => "Unknown vendor".to_string(),
    }
}

/// MemTotal from /proc/meminfo, in bytes.
pub fn mem_total_bytes(meminfo: &str) -> Option<u64> {
    let value = proc_field(meminfo, "MemTotal")?;
    let kib: u64 = value.strip_suffix("kB").unwrap_or(value).trim().parse().ok()?;
    kib.checked_mul(1024)
}

/// Parses FLAGHAL_CPU_MEMORY_LIMIT: a positive byte count.
pub fn parse_memory_limit(text: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(0) => Err("FLAGHAL_CPU_MEMORY_LIMIT is 0; it must be a positive byte count".to_string()),
        Ok(bytes) => Ok(bytes),
        Err(_) => Err(format!("FLAGHAL_CPU_MEMORY_LIMIT={text:?} is not a byte count (digits only)")),
    }
}

/// A 128-bit FNV-1a hash: a fixed, documented function, so a UUID derived
/// from it is the same in every process and every build.
pub fn fnv1a_128(bytes: &[u8]) -> u128 {
    const OFFSET: u128 = 0x6c62272e07bb014262b821756295c58d;
    const PRIME: u128 = 0x0000000001000000000000000000013B;
    bytes.iter().fold(OFFSET, |hash, b| (hash ^ u128::from(*b)).wrapping_mul(PRIME))
}

/// The device UUID: FNV-1a-128 of "flaghal-cpu\0" + machine identity + "\0" +
/// CPU name, stamped as an RFC 9562 version 8 (custom) UUID.
pub fn device_uuid(machine_identity: &str, cpu_name: &str) -> [u8; 16] {
    let mut input = b"flaghal-cpu\0".to_vec();
    input.extend_from_slice(machine_identity.trim().as_bytes());
    input.push(0);
    input.extend_from_slice(cpu_name.as_bytes());
    let mut uuid = fnv1a_128(&input).to_be_bytes();
    uuid[6] = (uuid[6] & 0x0F) | 0x80; // version 8
    uuid[8] = (uuid[8] & 0x3F) | 0x80; // variant 10xx
    uuid
}

/// Block coordinates of the linear block number `index` in a grid.
pub fn block_coords(index: u64, grid: [u32; 3]) -> [u32; 3] {
    let gx = u64::from(grid[0]);
    let gy = u64::from(grid[1]);
    [(index % gx) as u32, ((index / gx) % gy) as u32, (index / (gx * gy)) as u32]
}

/// Number of blocks in a grid, or an error naming a zero dimension.
pub fn grid_blocks(grid: [u32; 3]) -> Option<u64> {
    if grid.contains(&0) {
        return None;
    }
    Some(grid.iter().map(|d| u64::from(*d)).product())
}

/// Signed milliseconds from `start_ns` to `end_ns` (monotonic nanoseconds).
pub fn elapsed_ms(start_ns: u64, end_ns: u64) -> f32 {
    ((end_ns as i128 - start_ns as i128) as f64 / 1.0e6) as f32
}

/// Checks a memset's element size and alignment and returns its byte length.
pub fn memset_bytes(dst: u64, element_size: u32, count: usize) -> FfiResult<usize> {
    if !matches!(element_size, 1 | 2 | 4) {
        return Err(FfiError::new(
            FH_ERROR_INVALID_VALUE,
            format!("memset element size {element_size} is not 1, 2 or 4"),
        ));
    }
    if !dst.is_multiple_of(u64::from(element_size)) {
        return Err(FfiError::new(
            FH_ERROR_INVALID_VALUE,
            format!("destination {dst:#x} is not {element_size}-byte aligned for a {}-bit memset", element_size * 8),
        ));
    }
    count.checked_mul(element_size as usize).ok_or_else(|| {
        FfiError::new(FH_ERROR_INVALID_VALUE, format!("memset of {count} elements of {element_size} bytes overflows"))
    })
}

/// The bytes of one memset element: the low `element_size` bytes of value,
/// in memory order.
pub fn memset_pattern(value: u32, element_size: u32) -> Vec<u8> {
    match element_size {
        1 => vec![value as u8],
        2 => (value as u16).to_ne_bytes().to_vec(),
        _ => value.to_ne_bytes().to_vec(),
    }
}

/// Fills `dst` with repetitions of `pattern` (a whole number of copies).
pub fn fill_pattern(dst: &mut [u8], pattern: &[u8]) {
    if pattern.len() == 1 {
        dst.fill(pattern[0]);
    } else {
        for chunk in dst.chunks_exact_mut(pattern.len()) {
            chunk.copy_from_slice(pattern);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpuinfo_and_meminfo_are_parsed() {
        let x86 = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R)  Xeon(R)   Gold\n";
        assert_eq!(cpu_name(x86), "Intel(R) Xeon(R) Gold");
        assert_eq!(cpu_vendor(x86), "Intel");
        let arm = "processor\t: 0\nCPU implementer\t: 0x41\n";
        assert_eq!(cpu_name(arm), "Host CPU");
        assert_eq!(cpu_vendor(arm), "Arm");
        assert_eq!(cpu_vendor(""), "Unknown vendor");
        assert_eq!(mem_total_bytes("MemTotal:       24684084 kB\nMemFree: 1 kB\n"), Some(24684084 * 1024));
        assert_eq!(mem_total_bytes("MemFree: 1 kB\n"), None);
    }

    #[test]
    fn memory_limit_accepts_only_positive_byte_counts() {
        assert_eq!(parse_memory_limit(" 1048576 "), Ok(1 << 20));
        assert!(parse_memory_limit("0").is_err());
        assert!(parse_memory_limit("1G").unwrap_err().contains("not a byte count"));
    }

    #[test]
    fn uuid_is_stable_versioned_and_input_sensitive() {
        let a = device_uuid("3d1219c7c4c5404aaa1f6d2a48adfda4\n", "AMD EPYC");
        assert_eq!(a, device_uuid("3d1219c7c4c5404aaa1f6d2a48adfda4", "AMD EPYC"));
        assert_ne!(a, device_uuid("3d1219c7c4c5404aaa1f6d2a48adfda5", "AMD EPYC"));
        assert_ne!(a, device_uuid("3d1219c7c4c5404aaa1f6d2a48adfda4", "AMD EPYD"));
        assert_eq!(a[6] >> 4, 8);
        assert_eq!(a[8] >> 6, 0b10);
        // FNV-1a-128 of the empty input is its offset basis (published value).
        assert_eq!(fnv1a_128(b""), 0x6c62272e07bb014262b821756295c58d);
        assert_eq!(fnv1a_128(b"a"), 0xd228cb696f1a8caf78912b704e4a8964);
    }

    #[test]
    fn blocks_cover_the_grid_in_x_fastest_order() {
        assert_eq!(grid_blocks([3, 2, 2]), Some(12));
        assert_eq!(grid_blocks([3, 0, 2]), None);
        assert_eq!(block_coords(0, [3, 2, 2]), [0, 0, 0]);
        assert_eq!(block_coords(4, [3, 2, 2]), [1, 1, 0]);
        assert_eq!(block_coords(11, [3, 2, 2]), [2, 1, 1]);
        let big = [u32::MAX >> 1, 65535, 65535];
        let last = grid_blocks(big).unwrap() - 1;
        assert_eq!(block_coords(last, big), [big[0] - 1, 65534, 65534]);
    }

    #[test]
    fn memset_checks_alignment_and_builds_patterns() {
        assert_eq!(memset_bytes(0x1000, 4, 3).unwrap(), 12);
        assert_eq!(memset_bytes(0x1002, 4, 3).unwrap_err().status, FH_ERROR_INVALID_VALUE);
        assert_eq!(memset_bytes(0x1001, 2, 3).unwrap_err().status, FH_ERROR_INVALID_VALUE);
        assert!(memset_bytes(0x1000, 3, 1).is_err());
        assert!(memset_bytes(0x1000, 4, usize::MAX).is_err());
        let mut buf = [0u8; 8];
        fill_pattern(&mut buf, &memset_pattern(0xAABBCCDD, 2));
        assert_eq!(u16::from_ne_bytes([buf[6], buf[7]]), 0xCCDD);
        fill_pattern(&mut buf, &memset_pattern(0x1FF, 1));
        assert_eq!(buf, [0xFF; 8]);
    }

    #[test]
    fn elapsed_time_is_signed_milliseconds() {
        assert_eq!(elapsed_ms(1_000_000, 3_500_000), 2.5);
        assert_eq!(elapsed_ms(3_000_000, 1_000_000), -2.0);
    }
}
