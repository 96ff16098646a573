//! Glob matching for `--filter`, expectation entries and version globs:
//! `*` matches any run of characters (dots included), `?` one character,
//! everything else itself. Pure functions.

/// Whether `text` matches `pattern`.
pub fn matches(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// Whether `text` matches any of the comma-separated patterns in `list`.
pub fn matches_any(list: &str, text: &str) -> bool {
    list.split(',').map(str::trim).filter(|p| !p.is_empty()).any(|p| matches(p, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stars_and_marks() {
        assert!(matches("copies.*", "copies.dtod"));
        assert!(!matches("copies.*", "memory.alignment"));
        assert!(matches("*.atomic_*", "kernels.atomic_u64"));
        assert!(matches("1.?.*", "1.4.2"));
        assert!(!matches("1.?", "1.42"));
        assert!(matches("*", ""));
        assert!(!matches("", "x"));
        assert!(matches("a*b*c", "aXbYbZc"));
        assert!(!matches("a*b*c", "aXbYbZ"));
    }

    #[test]
    fn comma_lists() {
        assert!(matches_any("abi.*, streams.query*", "streams.query_not_ready"));
        assert!(!matches_any("abi.*,", "streams.in_order"));
    }
}
