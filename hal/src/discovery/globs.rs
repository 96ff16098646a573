//! Pure `*` / `?` glob matching for FLAGHAL_PLUGINS_SELECT / _DISABLE.

/// Whether `text` matches `pattern`, where `*` matches any run of characters
/// (including none) and `?` exactly one. Everything else matches itself.
pub fn matches(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // Iterative matching with one backtrack point (the last `*`): linear in
    // practice, no recursion.
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

/// Whether any comma-separated glob of `list` matches `text`. Empty items
/// are ignored.
pub fn any_matches(list: &str, text: &str) -> bool {
    list.split(',').map(str::trim).filter(|g| !g.is_empty()).any(|g| matches(g, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_star_and_question_mark() {
        assert!(matches("cpu", "cpu"));
        assert!(!matches("cpu", "cpu2"));
        assert!(!matches("cpu", "cp"));
        assert!(matches("*", ""));
        assert!(matches("*", "vulkan"));
        assert!(matches("vu*", "vulkan"));
        assert!(matches("*kan", "vulkan"));
        assert!(matches("v*l*n", "vulkan"));
        assert!(!matches("v*x*n", "vulkan"));
        assert!(matches("c?u", "cpu"));
        assert!(!matches("c?u", "cu"));
        assert!(matches("acme-*-npu", "acme-x1-npu"));
        assert!(!matches("acme-*-npu", "acme-x1-gpu"));
        assert!(matches("a*b*c", "aXbYbZc"));
    }

    #[test]
    fn comma_lists() {
        assert!(any_matches("vulkan, cpu", "cpu"));
        assert!(any_matches("x,,c*", "cpu"));
        assert!(!any_matches("vulkan,acme*", "cpu"));
        assert!(!any_matches("", "cpu"));
    }
}
