//! UTF-8 text cut to a byte budget without splitting a character, for every
//! place a message meets a fixed-size C buffer (detail messages, fixed char
//! arrays, build logs). Pure; no pointers involved.

/// `text` cut to at most `max` bytes, ending on a character boundary (a
/// character that does not fit whole is dropped whole).
pub fn cut(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::cut;

    #[test]
    fn cut_never_splits_a_character() {
        assert_eq!(cut("abc", 2), "ab");
        assert_eq!(cut("abc", 9), "abc");
        assert_eq!(cut("a\u{e9}", 2), "a", "é is two bytes");
        assert_eq!(cut("a\u{e9}", 3), "a\u{e9}");
        assert_eq!(cut("\u{1f600}x", 3), "", "a four-byte character never fits in three");
        assert_eq!(cut("", 5), "");
        assert_eq!(cut("abc", 0), "");
    }
}
