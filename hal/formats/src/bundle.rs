//! Module bundles (FH_MODULE_FORMAT_BUNDLE): several images of one set of
//! kernels, each in its own module format, in one blob. flaghal.h ("Module
//! bundles") is the specification; this file implements it once:
//!
//! - [`parse`] checks a whole bundle and borrows its images, kernel table and
//!   strings; every violation is an `Err` with a message naming the field and
//!   the offset (the loader returns it as FH_ERROR_INVALID_IMAGE).
//! - [`candidates`] orders the images a device can load.
//! - [`Writer`] builds a bundle (`flaghal-kernel`, tests).
//!
//! All integers are little-endian on every host; every read is bounds
//! checked with checked arithmetic, so no input can make this code panic or
//! read outside the slice.

use flaghal_sys as sys;

pub const MAGIC: &[u8; 8] = b"FHBUNDLE";
pub const VERSION: u32 = sys::FH_MODULE_BUNDLE_VERSION;
pub const HEADER_SIZE_1: usize = sys::FH_MODULE_BUNDLE_HEADER_SIZE_1 as usize;
pub const IMAGE_SIZE_1: usize = sys::FH_MODULE_BUNDLE_IMAGE_SIZE_1 as usize;
pub const KERNEL_SIZE_1: usize = sys::FH_MODULE_BUNDLE_KERNEL_SIZE_1 as usize;

/// One image of a bundle, borrowing the bundle's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Image<'a> {
    pub format: sys::fh_module_format_t,
    /// The target name ("x86_64-linux"), or None.
    pub target: Option<&'a str>,
    pub bytes: &'a [u8],
}

/// One entry of the kernel table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kernel<'a> {
    pub name: &'a str,
    /// Bytes of parameters the kernel reads; 0 = not recorded.
    pub params_size: u32,
}

/// A checked bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle<'a> {
    pub images: Vec<Image<'a>>,
    pub kernels: Vec<Kernel<'a>>,
}

impl Bundle<'_> {
    /// The recorded parameter size of kernel `name` (0 when not recorded).
    pub fn params_size(&self, name: &str) -> u32 {
        self.kernels.iter().find(|k| k.name == name).map_or(0, |k| k.params_size)
    }
}

/// Whether `bytes` start like a bundle (the magic), without checking more.
pub fn has_magic(bytes: &[u8]) -> bool {
    bytes.len() >= MAGIC.len() && &bytes[..MAGIC.len()] == MAGIC
}

/// Little-endian reads at absolute offsets, bounds checked.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn range(&self, offset: u64, len: u64, what: &str) -> Result<&'a [u8], String> {
        let end = offset.checked_add(len).filter(|end| *end <= self.bytes.len() as u64);
        match end {
            Some(end) => Ok(&self.bytes[offset as usize..end as usize]),
            None => Err(format!(
                "{what} (offset {offset}, {len} bytes) lies outside the bundle's {} bytes",
                self.bytes.len()
            )),
        }
    }

    fn u32(&self, offset: u64, what: &str) -> Result<u32, String> {
        let b = self.range(offset, 4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&self, offset: u64, what: &str) -> Result<u64, String> {
        let b = self.range(offset, 8, what)?;
        Ok(u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
    }

    /// A NUL-terminated UTF-8 string starting at `offset`.
    fn string(&self, offset: u64, what: &str) -> Result<&'a str, String> {
        let rest = self.range(offset, 0, what).map(|_| &self.bytes[offset as usize..])?;
        let len = rest.iter().position(|b| *b == 0).ok_or_else(|| format!("{what} at offset {offset} has no NUL terminator"))?;
        std::str::from_utf8(&rest[..len]).map_err(|_| format!("{what} at offset {offset} is not UTF-8"))
    }
}

/// Checks the whole bundle and returns its images and kernels. `bytes` may
/// be longer than the bundle (total_size), not shorter.
pub fn parse(bytes: &[u8]) -> Result<Bundle<'_>, String> {
    if !has_magic(bytes) {
        let start = &bytes[..bytes.len().min(MAGIC.len())];
        return Err(format!("not a bundle: it starts with {start:02x?}, not \"FHBUNDLE\""));
    }
    if bytes.len() < HEADER_SIZE_1 {
        return Err(format!("a bundle is at least {HEADER_SIZE_1} bytes; this one has {}", bytes.len()));
    }
    let whole = Reader { bytes };
    let version = whole.u32(8, "version")?;
    if version != VERSION {
        return Err(format!("bundle version {version}; this loader reads version {VERSION}"));
    }
    let header_size = whole.u32(12, "header_size")? as u64;
    let total_size = whole.u64(16, "total_size")?;
    if header_size < HEADER_SIZE_1 as u64 {
        return Err(format!("header_size {header_size} is below the version 1 header's {HEADER_SIZE_1}"));
    }
    if total_size > bytes.len() as u64 {
        return Err(format!("total_size {total_size} is larger than the {} bytes given (truncated?)", bytes.len()));
    }
    if header_size > total_size {
        return Err(format!("header_size {header_size} is larger than total_size {total_size}"));
    }
    let r = Reader { bytes: &bytes[..total_size as usize] };
    let image_count = r.u32(24, "image_count")? as u64;
    let image_entry = r.u32(28, "image_entry_size")? as u64;
    let images_offset = r.u64(32, "images_offset")?;
    let kernel_count = r.u32(40, "kernel_count")? as u64;
    let kernel_entry = r.u32(44, "kernel_entry_size")? as u64;
    let kernels_offset = r.u64(48, "kernels_offset")?;
    if image_count == 0 {
        return Err("the bundle has no images".into());
    }
    if image_entry < IMAGE_SIZE_1 as u64 {
        return Err(format!("image_entry_size {image_entry} is below the version 1 entry's {IMAGE_SIZE_1}"));
    }
    if kernel_entry < KERNEL_SIZE_1 as u64 {
        return Err(format!("kernel_entry_size {kernel_entry} is below the version 1 entry's {KERNEL_SIZE_1}"));
    }
    let table = |offset: u64, count: u64, entry: u64, what: &str| -> Result<(), String> {
        let len = count.checked_mul(entry).ok_or_else(|| format!("{what}: {count} entries of {entry} bytes overflow"))?;
        r.range(offset, len, what).map(|_| ())
    };
    table(images_offset, image_count, image_entry, "the image table")?;
    table(kernels_offset, kernel_count, kernel_entry, "the kernel table")?;

    let mut images = Vec::with_capacity(image_count as usize);
    for i in 0..image_count {
        let at = images_offset + i * image_entry;
        let what = |field: &str| format!("image {i} {field}");
        let format = r.u32(at, &what("format"))?;
        let flags = r.u32(at + 4, &what("flags"))?;
        let offset = r.u64(at + 8, &what("offset"))?;
        let size = r.u64(at + 16, &what("size"))?;
        let target_offset = r.u64(at + 24, &what("target_offset"))?;
        if format == sys::FH_MODULE_FORMAT_INVALID {
            return Err(format!("image {i} has format FH_MODULE_FORMAT_INVALID (0)"));
        }
        if format == sys::FH_MODULE_FORMAT_BUNDLE {
            return Err(format!("image {i} is itself a bundle; bundles do not nest"));
        }
        if flags != 0 {
            return Err(format!("image {i} has flags {flags:#x}; version 1 defines none"));
        }
        if size == 0 {
            return Err(format!("image {i} is empty"));
        }
        let bytes = r.range(offset, size, &what("bytes"))?;
        let target = match target_offset {
            0 => None,
            t => Some(r.string(t, &what("target"))?),
        };
        images.push(Image { format: format as sys::fh_module_format_t, target, bytes });
    }

    let mut kernels: Vec<Kernel<'_>> = Vec::with_capacity(kernel_count as usize);
    for i in 0..kernel_count {
        let at = kernels_offset + i * kernel_entry;
        let name = r.string(r.u64(at, &format!("kernel {i} name_offset"))?, &format!("kernel {i} name"))?;
        let params_size = r.u32(at + 8, &format!("kernel {i} params_size"))?;
        let flags = r.u32(at + 12, &format!("kernel {i} flags"))?;
        if name.is_empty() {
            return Err(format!("kernel {i} has an empty name"));
        }
        if flags != 0 {
            return Err(format!("kernel {i} ({name}) has flags {flags:#x}; version 1 defines none"));
        }
        if kernels.iter().any(|k| k.name == name) {
            return Err(format!("kernel {name:?} is listed twice"));
        }
        kernels.push(Kernel { name, params_size });
    }
    Ok(Bundle { images, kernels })
}

/// The target name of native CPU images this process can load
/// (FH_MODULE_BUNDLE_TARGET_*), or None on a host no target names.
pub fn host_target() -> Option<&'static str> {
    match (std::env::consts::ARCH, std::env::consts::OS) {
        ("x86_64", "linux") => Some("x86_64-linux"),
        ("aarch64", "linux") => Some("aarch64-linux"),
        _ => None,
    }
}

/// The images a device may load, best first: formats in the device's order
/// of preference, then bundle order. Native CPU images for another target
/// (or for any target on a host without one) are left out; images without a
/// target are kept.
pub fn candidates<'a>(
    bundle: &Bundle<'a>,
    device_formats: &[sys::fh_module_format_t],
    host_target: Option<&str>,
) -> Vec<Image<'a>> {
    let runnable = |image: &Image<'_>| {
        image.format != sys::FH_MODULE_FORMAT_NATIVE_CPU || image.target.is_none() || image.target == host_target
    };
    device_formats
        .iter()
        .flat_map(|format| bundle.images.iter().filter(move |image| image.format == *format))
        .filter(|image| runnable(image))
        .copied()
        .collect()
}

/// Builds a bundle. Images are written in the order added, each 16-byte
/// aligned; strings after the tables.
#[derive(Debug, Default, Clone)]
pub struct Writer {
    images: Vec<(sys::fh_module_format_t, Option<String>, Vec<u8>)>,
    kernels: Vec<(String, u32)>,
}

impl Writer {
    pub fn new() -> Writer {
        Writer::default()
    }

    pub fn image(&mut self, format: sys::fh_module_format_t, target: Option<&str>, bytes: Vec<u8>) -> &mut Self {
        self.images.push((format, target.map(str::to_string), bytes));
        self
    }

    pub fn kernel(&mut self, name: &str, params_size: u32) -> &mut Self {
        self.kernels.push((name.to_string(), params_size));
        self
    }

    /// The bundle's bytes. Checks what [`parse`] would refuse, so a writer
    /// never produces a bundle the loader rejects.
    pub fn to_bytes(&self) -> Result<Vec<u8>, String> {
        let images_offset = HEADER_SIZE_1;
        let kernels_offset = images_offset + IMAGE_SIZE_1 * self.images.len();
        let mut strings: Vec<u8> = Vec::new();
        let strings_offset = kernels_offset + KERNEL_SIZE_1 * self.kernels.len();
        let mut intern = |text: &str| -> u64 {
            let at = strings_offset + strings.len();
            strings.extend_from_slice(text.as_bytes());
            strings.push(0);
            at as u64
        };
        let targets: Vec<u64> = self.images.iter().map(|(_, t, _)| t.as_deref().map_or(0, &mut intern)).collect();
        let names: Vec<u64> = self.kernels.iter().map(|(n, _)| intern(n)).collect();
        let mut data_at = (strings_offset + strings.len()).next_multiple_of(16);
        let mut out = vec![0u8; data_at];
        out[..8].copy_from_slice(MAGIC);
        let put32 = |out: &mut Vec<u8>, at: usize, v: u32| out[at..at + 4].copy_from_slice(&v.to_le_bytes());
        let put64 = |out: &mut Vec<u8>, at: usize, v: u64| out[at..at + 8].copy_from_slice(&v.to_le_bytes());
        put32(&mut out, 8, VERSION);
        put32(&mut out, 12, HEADER_SIZE_1 as u32);
        put32(&mut out, 24, self.images.len() as u32);
        put32(&mut out, 28, IMAGE_SIZE_1 as u32);
        put64(&mut out, 32, images_offset as u64);
        put32(&mut out, 40, self.kernels.len() as u32);
        put32(&mut out, 44, KERNEL_SIZE_1 as u32);
        put64(&mut out, 48, kernels_offset as u64);
        for (i, (format, _, bytes)) in self.images.iter().enumerate() {
            let at = images_offset + i * IMAGE_SIZE_1;
            put32(&mut out, at, *format);
            put64(&mut out, at + 8, data_at as u64);
            put64(&mut out, at + 16, bytes.len() as u64);
            put64(&mut out, at + 24, targets[i]);
            data_at = (data_at + bytes.len()).next_multiple_of(16);
        }
        for (i, (_, params)) in self.kernels.iter().enumerate() {
            let at = kernels_offset + i * KERNEL_SIZE_1;
            put64(&mut out, at, names[i]);
            put32(&mut out, at + 8, *params);
        }
        out[strings_offset..strings_offset + strings.len()].copy_from_slice(&strings);
        for (_, _, bytes) in &self.images {
            let at = out.len().next_multiple_of(16);
            out.resize(at, 0);
            out.extend_from_slice(bytes);
        }
        let total = out.len() as u64;
        put64(&mut out, 16, total);
        parse(&out).map(|_| ()).map_err(|e| format!("refusing to write an invalid bundle: {e}"))?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::{offset_of, size_of};
    use sys::{fh_module_bundle_header_t as H, fh_module_bundle_image_t as I, fh_module_bundle_kernel_t as K};

    const NATIVE: u32 = sys::FH_MODULE_FORMAT_NATIVE_CPU;
    const SPIRV: u32 = sys::FH_MODULE_FORMAT_SPIRV;

    fn sample() -> Vec<u8> {
        Writer::new()
            .image(SPIRV, None, vec![1, 2, 3, 4, 5])
            .image(NATIVE, Some("x86_64-linux"), vec![9; 33])
            .image(NATIVE, Some("aarch64-linux"), vec![8; 7])
            .kernel("vector_add", 28)
            .kernel("fill", 0)
            .to_bytes()
            .unwrap()
    }

    fn put32(bytes: &mut [u8], at: usize, v: u32) {
        bytes[at..at + 4].copy_from_slice(&v.to_le_bytes());
    }

    fn put64(bytes: &mut [u8], at: usize, v: u64) {
        bytes[at..at + 8].copy_from_slice(&v.to_le_bytes());
    }

    #[test]
    fn the_offsets_read_here_are_the_headers_struct_layout() {
        assert_eq!(size_of::<H>(), HEADER_SIZE_1);
        assert_eq!(size_of::<I>(), IMAGE_SIZE_1);
        assert_eq!(size_of::<K>(), KERNEL_SIZE_1);
        let header = [
            offset_of!(H, version),
            offset_of!(H, header_size),
            offset_of!(H, total_size),
            offset_of!(H, image_count),
            offset_of!(H, image_entry_size),
            offset_of!(H, images_offset),
            offset_of!(H, kernel_count),
            offset_of!(H, kernel_entry_size),
            offset_of!(H, kernels_offset),
        ];
        assert_eq!(header, [8, 12, 16, 24, 28, 32, 40, 44, 48]);
        let image = [offset_of!(I, format), offset_of!(I, flags), offset_of!(I, offset), offset_of!(I, size), offset_of!(I, target_offset)];
        assert_eq!(image, [0, 4, 8, 16, 24]);
        assert_eq!([offset_of!(K, name_offset), offset_of!(K, params_size), offset_of!(K, flags)], [0, 8, 12]);
        assert_eq!(sys::FH_MODULE_BUNDLE_MAGIC, b"FHBUNDLE\0");
    }

    #[test]
    fn what_is_written_reads_back() {
        let bytes = sample();
        let bundle = parse(&bytes).unwrap();
        assert_eq!(bundle.images.len(), 3);
        assert_eq!(bundle.images[0], Image { format: SPIRV, target: None, bytes: &[1, 2, 3, 4, 5] });
        assert_eq!(bundle.images[1].target, Some("x86_64-linux"));
        assert_eq!(bundle.images[1].bytes, &[9; 33][..]);
        assert_eq!(bundle.kernels, vec![Kernel { name: "vector_add", params_size: 28 }, Kernel { name: "fill", params_size: 0 }]);
        assert_eq!(bundle.params_size("vector_add"), 28);
        assert_eq!(bundle.params_size("absent"), 0);
        for image in &bundle.images {
            let offset = image.bytes.as_ptr() as usize - bytes.as_ptr() as usize;
            assert_eq!(offset % 16, 0, "images are 16-byte aligned");
        }
        let mut longer = bytes.clone();
        longer.extend_from_slice(&[0xAA; 10]);
        assert_eq!(parse(&longer).unwrap(), bundle, "bytes after total_size are ignored");
    }

    #[test]
    fn a_later_versions_larger_entries_are_read_by_their_stride() {
        // Rebuild the sample with 8 spare bytes after every image entry.
        let bytes = sample();
        let stride = IMAGE_SIZE_1 + 8;
        let mut out = bytes.clone();
        let images = 56;
        let table_end = images + 3 * IMAGE_SIZE_1;
        let mut grown = out[..images].to_vec();
        for i in 0..3 {
            grown.extend_from_slice(&out[images + i * IMAGE_SIZE_1..images + (i + 1) * IMAGE_SIZE_1]);
            grown.extend_from_slice(&[0; 8]);
        }
        let shift = 3 * 8;
        grown.extend_from_slice(&out[table_end..]);
        out = grown;
        put32(&mut out, 28, stride as u32);
        let kernels = u64::from_le_bytes(out[48..56].try_into().unwrap()) + shift as u64;
        put64(&mut out, 48, kernels);
        let total = out.len() as u64;
        put64(&mut out, 16, total);
        // Every offset that pointed past the image table moves by `shift`.
        for i in 0..3 {
            let at = images + i * stride;
            for field in [8, 24] {
                let v = u64::from_le_bytes(out[at + field..at + field + 8].try_into().unwrap());
                if v != 0 {
                    put64(&mut out, at + field, v + shift as u64);
                }
            }
        }
        for k in 0..2 {
            let at = kernels as usize + k * KERNEL_SIZE_1;
            let v = u64::from_le_bytes(out[at..at + 8].try_into().unwrap());
            put64(&mut out, at, v + shift as u64);
        }
        assert_eq!(parse(&out).unwrap(), parse(&bytes).unwrap());
    }

    /// Each mutation breaks one rule; parse must refuse it and say which.
    #[test]
    fn every_broken_rule_is_refused_with_a_reason() {
        type Mutation = Box<dyn Fn(&mut Vec<u8>)>;
        let good = sample();
        let cases: Vec<(&str, Mutation)> = vec![
            ("at least 56 bytes", Box::new(|b| b.truncate(40))),
            ("not a bundle", Box::new(|b| b[0] = b'X')),
            ("version 2", Box::new(|b| put32(b, 8, 2))),
            ("header_size 40", Box::new(|b| put32(b, 12, 40))),
            ("truncated", Box::new(|b| b.truncate(b.len() - 1))),
            ("header_size 4096 is larger", Box::new(|b| put32(b, 12, 4096))),
            ("no images", Box::new(|b| put32(b, 24, 0))),
            ("image_entry_size 16", Box::new(|b| put32(b, 28, 16))),
            ("kernel_entry_size 8", Box::new(|b| put32(b, 44, 8))),
            ("the image table", Box::new(|b| put64(b, 32, 1 << 40))),
            ("the kernel table", Box::new(|b| put32(b, 40, 1000))),
            ("kernel table (offset", Box::new(|b| {
                put32(b, 40, u32::MAX);
                put32(b, 44, u32::MAX);
            })),
            ("image 0 bytes", Box::new(|b| put64(b, 56 + 16, 1 << 20))),
            ("FH_MODULE_FORMAT_INVALID", Box::new(|b| put32(b, 56, 0))),
            ("do not nest", Box::new(|b| put32(b, 56, sys::FH_MODULE_FORMAT_BUNDLE))),
            ("image 0 has flags", Box::new(|b| put32(b, 60, 1))),
            ("image 0 is empty", Box::new(|b| put64(b, 56 + 16, 0))),
            ("image 1 target", Box::new(|b| put64(b, 56 + 32 + 24, u64::MAX - 3))),
            ("has flags 0x4", Box::new(|b| {
                let k = u64::from_le_bytes(b[48..56].try_into().unwrap()) as usize;
                put32(b, k + 12, 4);
            })),
            ("listed twice", Box::new(|b| {
                let k = u64::from_le_bytes(b[48..56].try_into().unwrap()) as usize;
                let first = u64::from_le_bytes(b[k..k + 8].try_into().unwrap());
                put64(b, k + KERNEL_SIZE_1, first);
            })),
            ("empty name", Box::new(|b| {
                let k = u64::from_le_bytes(b[48..56].try_into().unwrap()) as usize;
                let name = u64::from_le_bytes(b[k..k + 8].try_into().unwrap()) as usize;
                b[name] = 0;
            })),
            ("not UTF-8", Box::new(|b| {
                let k = u64::from_le_bytes(b[48..56].try_into().unwrap()) as usize;
                let name = u64::from_le_bytes(b[k..k + 8].try_into().unwrap()) as usize;
                b[name] = 0xFF;
            })),
        ];
        for (expected, mutate) in cases {
            let mut bytes = good.clone();
            mutate(&mut bytes);
            match parse(&bytes) {
                Ok(_) => panic!("the mutation for {expected:?} was accepted"),
                Err(e) => assert!(e.contains(expected), "{expected:?} not in {e:?}"),
            }
        }
    }

    #[test]
    fn no_prefix_and_no_single_byte_change_makes_it_panic() {
        let good = sample();
        for len in 0..good.len() {
            assert!(parse(&good[..len]).is_err(), "a {len}-byte prefix parsed");
        }
        for at in 0..good.len() {
            for bit in [0x01u8, 0x80] {
                let mut bytes = good.clone();
                bytes[at] ^= bit;
                let _ = parse(&bytes);
            }
        }
    }

    #[test]
    fn candidates_follow_the_device_preference_and_the_host_target() {
        let bytes = sample();
        let bundle = parse(&bytes).unwrap();
        fn formats<'a>(c: &[Image<'a>]) -> Vec<(u32, Option<&'a str>)> {
            c.iter().map(|i| (i.format, i.target)).collect()
        }
        let host = Some("x86_64-linux");
        assert_eq!(formats(&candidates(&bundle, &[SPIRV, NATIVE], host)), vec![(SPIRV, None), (NATIVE, host)]);
        assert_eq!(formats(&candidates(&bundle, &[NATIVE, SPIRV], host)), vec![(NATIVE, host), (SPIRV, None)]);
        assert_eq!(
            formats(&candidates(&bundle, &[NATIVE], Some("aarch64-linux"))),
            vec![(NATIVE, Some("aarch64-linux"))]
        );
        assert!(candidates(&bundle, &[NATIVE], None).is_empty(), "no target: no native image runs");
        assert!(candidates(&bundle, &[sys::FH_MODULE_FORMAT_PTX], host).is_empty());
        let unknown = Writer::new().image(0x4242, None, vec![1]).image(SPIRV, None, vec![2]).to_bytes().unwrap();
        let unknown = parse(&unknown).unwrap();
        assert_eq!(candidates(&unknown, &[SPIRV], host).len(), 1, "an unknown format is skipped, not an error");
    }

    #[test]
    fn the_writer_refuses_what_the_reader_would() {
        assert!(Writer::new().to_bytes().unwrap_err().contains("no images"));
        assert!(Writer::new().image(SPIRV, None, vec![]).to_bytes().unwrap_err().contains("empty"));
        let twice = Writer::new().image(SPIRV, None, vec![1]).kernel("k", 0).kernel("k", 4).to_bytes();
        assert!(twice.unwrap_err().contains("twice"));
    }
}
