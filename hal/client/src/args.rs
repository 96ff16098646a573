//! Kernel argument blobs: fields appended with C natural alignment
//! (docs/kernels.md), so the bytes equal what a C compiler lays out for the
//! kernel's documented argument struct. Pure code.

/// A kernel argument blob under construction.
#[derive(Debug, Default, Clone)]
pub struct Args {
    bytes: Vec<u8>,
    max_align: usize,
}

impl Args {
    pub fn new() -> Self {
        Args { bytes: Vec::new(), max_align: 1 }
    }

    /// Appends a field whose alignment is its size (every scalar here).
    fn field(mut self, data: &[u8]) -> Self {
        let align = data.len();
        self.max_align = self.max_align.max(align);
        self.pad_to(align);
        self.bytes.extend_from_slice(data);
        self
    }

    pub fn u32(self, v: u32) -> Self {
        self.field(&v.to_ne_bytes())
    }

    pub fn i32(self, v: i32) -> Self {
        self.field(&v.to_ne_bytes())
    }

    /// A u64, or a device address (`fh_deviceptr_t`).
    pub fn u64(self, v: u64) -> Self {
        self.field(&v.to_ne_bytes())
    }

    pub fn f32(self, v: f32) -> Self {
        self.field(&v.to_ne_bytes())
    }

    /// The bytes so far, without tail padding (for structs with a flexible
    /// array member, whose tail starts right after the last field).
    pub fn unpadded(self) -> Vec<u8> {
        self.bytes
    }

    /// The struct's bytes, padded to a multiple of its largest alignment
    /// (its `sizeof`).
    pub fn finish(mut self) -> Vec<u8> {
        self.pad_to(self.max_align);
        self.bytes
    }

    fn pad_to(&mut self, align: usize) {
        let len = self.bytes.len().next_multiple_of(align);
        self.bytes.resize(len, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::Args;

    #[test]
    fn natural_alignment_matches_the_documented_offsets() {
        // struct args_probe_args: a_u32 @0, b_u64 @8, c_f32 @16, tail_count @20, out @24, d_u32 @32.
        let b = Args::new().u32(1).u64(2).f32(3.0).u32(4).u64(5).u32(6);
        let bytes = b.clone().unpadded();
        assert_eq!(bytes.len(), 36);
        assert_eq!(&bytes[..4], &1u32.to_ne_bytes());
        assert_eq!(&bytes[4..8], &[0; 4], "padding before the u64 is zero");
        assert_eq!(&bytes[8..16], &2u64.to_ne_bytes());
        assert_eq!(&bytes[16..20], &3.0f32.to_ne_bytes());
        assert_eq!(&bytes[32..36], &6u32.to_ne_bytes());
        assert_eq!(b.finish().len(), 40);
        // struct vector_add_f32_args: sizeof 32.
        assert_eq!(Args::new().u64(1).u64(2).u64(3).u32(4).finish().len(), 32);
        // struct fault_args: sizeof 4; a struct of i32s: sizeof 12.
        assert_eq!(Args::new().u32(9).finish().len(), 4);
        assert_eq!(Args::new().i32(-1).i32(2).i32(3).finish(), [(-1i32).to_ne_bytes(), 2i32.to_ne_bytes(), 3i32.to_ne_bytes()].concat());
        assert!(Args::new().finish().is_empty());
    }
}
