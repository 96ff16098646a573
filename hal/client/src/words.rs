//! Typed values as the native-endian bytes device memory holds, and back.
//! Pure code.

/// A plain scalar with a native-endian byte form.
pub trait Word: Copy {
    const SIZE: usize;
    fn append_to(self, bytes: &mut Vec<u8>);
    /// From exactly `SIZE` bytes.
    fn read(bytes: &[u8]) -> Self;
}

macro_rules! word {
    ($($t:ty),*) => {$(
        impl Word for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            fn append_to(self, bytes: &mut Vec<u8>) {
                bytes.extend_from_slice(&self.to_ne_bytes());
            }
            fn read(bytes: &[u8]) -> Self {
                <$t>::from_ne_bytes(bytes.try_into().expect("exactly SIZE bytes"))
            }
        }
    )*};
}
word!(u8, u16, u32, u64, i32, i64, f32, f64);

/// `values` as bytes: `to_bytes(&[1u32, 2])` is 8 bytes.
pub fn to_bytes<T: Word>(values: &[T]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(values.len() * T::SIZE);
    for v in values {
        v.append_to(&mut bytes);
    }
    bytes
}

/// `bytes` as values: `from_bytes::<u32>(&b)`; a tail shorter than one
/// value is ignored.
pub fn from_bytes<T: Word>(bytes: &[u8]) -> Vec<T> {
    bytes.chunks_exact(T::SIZE).map(T::read).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_in_native_byte_order() {
        let words = [1u32, 0xDEAD_BEEF, u32::MAX];
        let bytes = to_bytes(&words);
        assert_eq!(bytes.len(), 12);
        assert_eq!(&bytes[4..8], &0xDEAD_BEEFu32.to_ne_bytes());
        assert_eq!(from_bytes::<u32>(&bytes), words);
        assert_eq!(from_bytes::<u64>(&to_bytes(&[7u64, 1 << 40])), [7, 1 << 40]);
        assert_eq!(from_bytes::<f32>(&to_bytes(&[1.5f32, -0.0])), [1.5, -0.0]);
        assert_eq!(from_bytes::<u32>(&bytes[..7]), [1], "a partial tail is dropped");
    }
}
