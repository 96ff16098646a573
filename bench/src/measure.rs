//! The measuring harness: warm-up, then many repetitions in which the row and
//! its baseline alternate (A B A B ...), so that a burst of load from other
//! processes on a shared machine hits both sides alike and their ratio holds.

use crate::stats::{summarize, Summary};
use std::time::Instant;

/// How hard to measure.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Untimed runs of each side before sampling.
    pub warmup: usize,
    /// Timed samples of each side.
    pub reps: usize,
}

/// One sample: a rate or a time per operation, in the row's unit.
pub type Sample = Result<f64, String>;

/// Runs `a` and `b` alternately: `plan.warmup` untimed rounds, then
/// `plan.reps` timed ones. Each closure returns one sample. Fails with the
/// first error either side reports, or when a sample is not finite.
pub fn pair(plan: Plan, mut a: impl FnMut() -> Sample, mut b: impl FnMut() -> Sample) -> Result<(Summary, Summary), String> {
    for _ in 0..plan.warmup {
        a()?;
        b()?;
    }
    let mut sa = Vec::with_capacity(plan.reps);
    let mut sb = Vec::with_capacity(plan.reps);
    for i in 0..plan.reps {
        // Alternate which side goes first, so neither always runs on a
        // cache or frequency state the other left behind.
        if i % 2 == 0 {
            sa.push(a()?);
            sb.push(b()?);
        } else {
            sb.push(b()?);
            sa.push(a()?);
        }
    }
    let summary = |s: &[f64], side: &str| summarize(s).ok_or_else(|| format!("{side}: no finite samples in {s:?}"));
    Ok((summary(&sa, "row")?, summary(&sb, "baseline")?))
}

/// Seconds `f` takes.
pub fn seconds<T>(f: impl FnOnce() -> Result<T, String>) -> Result<f64, String> {
    let start = Instant::now();
    f()?;
    Ok(start.elapsed().as_secs_f64())
}

/// Seconds an infallible `f` takes.
pub fn seconds_of(f: impl FnOnce()) -> f64 {
    let start = Instant::now();
    f();
    start.elapsed().as_secs_f64()
}

/// `count` operations per second when they took `seconds`.
pub fn per_second(count: usize, seconds: f64) -> Sample {
    if seconds <= 0.0 {
        return Err(format!("{count} operations took no measurable time"));
    }
    Ok(count as f64 / seconds)
}

/// GB/s (10^9 bytes per second) for `bytes` moved in `seconds`.
pub fn gb_per_s(bytes: f64, seconds: f64) -> Sample {
    if seconds <= 0.0 {
        return Err(format!("{bytes} bytes took no measurable time"));
    }
    Ok(bytes / seconds / 1e9)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pair_alternates_and_counts_warmup_apart() {
        let order = std::cell::RefCell::new(Vec::new());
        let (a, b) = pair(
            Plan { warmup: 1, reps: 3 },
            || {
                order.borrow_mut().push('a');
                Ok(1.0)
            },
            || {
                order.borrow_mut().push('b');
                Ok(2.0)
            },
        )
        .unwrap();
        assert_eq!(order.into_inner().iter().collect::<String>(), "ababbaab");
        assert_eq!((a.samples, a.median, b.median), (3, 1.0, 2.0));
    }

    #[test]
    fn an_error_or_a_non_finite_sample_fails_the_pair() {
        let err = pair(Plan { warmup: 0, reps: 2 }, || Ok(1.0), || Err("boom".to_string())).unwrap_err();
        assert_eq!(err, "boom");
        assert!(pair(Plan { warmup: 0, reps: 2 }, || Ok(f64::NAN), || Ok(1.0)).is_err());
        assert!(per_second(10, 0.0).is_err());
        assert_eq!(gb_per_s(2e9, 2.0).unwrap(), 1.0);
    }
}
