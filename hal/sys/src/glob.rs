//! Glob patterns, one implementation for every tool that takes them: the
//! loader's FLAGHAL_PLUGINS_SELECT / FLAGHAL_PLUGINS_DISABLE, and the
//! conformance suite's --filter, expectation entries and version globs.
//! `*` matches any run of characters (dots included, possibly none), `?`
//! exactly one, everything else itself. Pure functions, iterative with one
//! backtrack point (no recursion, linear in practice).

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
        assert!(matches_any("vulkan, cpu", "cpu"));
        assert!(matches_any("x,,c*", "cpu"));
        assert!(!matches_any("vulkan,acme*", "cpu"));
        assert!(!matches_any("", "cpu"));
    }
}
