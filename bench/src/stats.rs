//! Pure statistics over repeated samples: the median and the spread
//! (interquartile range) that every row of the table reports.

/// The summary of one measured quantity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub median: f64,
    /// 25th and 75th percentiles: half of the samples lie between them.
    pub p25: f64,
    pub p75: f64,
    pub min: f64,
    pub max: f64,
    pub samples: usize,
}

impl Summary {
    /// The interquartile range relative to the median, in percent.
    pub fn spread_percent(&self) -> f64 {
        if self.median == 0.0 {
            0.0
        } else {
            100.0 * (self.p75 - self.p25) / self.median.abs()
        }
    }
}

/// Linear-interpolated percentile `q` (0..=1) of sorted values.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// Summarises samples; `None` when there are none or one is not finite.
pub fn summarize(samples: &[f64]) -> Option<Summary> {
    if samples.is_empty() || samples.iter().any(|s| !s.is_finite()) {
        return None;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(|a, b| a.partial_cmp(b).expect("finite values compare"));
    Some(Summary {
        median: percentile(&sorted, 0.5),
        p25: percentile(&sorted, 0.25),
        p75: percentile(&sorted, 0.75),
        min: sorted[0],
        max: sorted[sorted.len() - 1],
        samples: sorted.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_quartiles_of_an_odd_and_an_even_count() {
        let s = summarize(&[5.0, 1.0, 3.0, 2.0, 4.0]).unwrap();
        assert_eq!((s.median, s.p25, s.p75, s.min, s.max, s.samples), (3.0, 2.0, 4.0, 1.0, 5.0, 5));
        let s = summarize(&[4.0, 1.0, 2.0, 3.0]).unwrap();
        assert_eq!(s.median, 2.5);
        assert_eq!(s.p25, 1.75);
        assert!((s.spread_percent() - 60.0).abs() < 1e-9);
    }

    #[test]
    fn no_samples_or_a_non_finite_one_has_no_summary() {
        assert!(summarize(&[]).is_none());
        assert!(summarize(&[1.0, f64::NAN]).is_none());
        assert!(summarize(&[1.0, f64::INFINITY]).is_none());
    }

    #[test]
    fn an_outlier_moves_the_mean_but_not_the_median() {
        let s = summarize(&[10.0, 10.0, 11.0, 10.0, 1000.0]).unwrap();
        assert_eq!(s.median, 10.0);
        assert_eq!(s.max, 1000.0);
    }
}
