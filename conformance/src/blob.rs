//! Builds kernel argument blobs: fields appended with C natural alignment
//! (docs/kernels.md), so the bytes equal what a C compiler lays out for the
//! documented struct. Pure code.

#[derive(Debug, Default, Clone)]
pub struct Blob {
    bytes: Vec<u8>,
    max_align: usize,
}

impl Blob {
    pub fn new() -> Self {
        Blob { bytes: Vec::new(), max_align: 1 }
    }

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

    /// The struct's bytes, padded to a multiple of its largest alignment (sizeof).
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
    use super::Blob;

    #[test]
    fn natural_alignment_matches_the_documented_offsets() {
        // struct args_probe_args: a_u32 @0, b_u64 @8, c_f32 @16, tail_count @20, out @24, d_u32 @32.
        let b = Blob::new().u32(1).u64(2).f32(3.0).u32(4).u64(5).u32(6);
        let bytes = b.clone().unpadded();
        assert_eq!(bytes.len(), 36);
        assert_eq!(&bytes[8..16], &2u64.to_ne_bytes());
        assert_eq!(&bytes[32..36], &6u32.to_ne_bytes());
        assert_eq!(b.finish().len(), 40);
        // struct vector_add_f32_args: sizeof 32.
        assert_eq!(Blob::new().u64(1).u64(2).u64(3).u32(4).finish().len(), 32);
        // struct fault_args: sizeof 4.
        assert_eq!(Blob::new().u32(9).finish().len(), 4);
    }
}
