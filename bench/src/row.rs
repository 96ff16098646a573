//! One line of the results: a measurement beside its baseline, both taken in
//! the same run, and how they compare. Pure data and arithmetic.

use crate::stats::Summary;
use serde_json::{json, Value};

/// Which direction is better for a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    Higher,
    Lower,
}

#[derive(Debug, Clone)]
pub struct Row {
    /// The section of the issue: "call overhead", "launch throughput", ...
    pub group: String,
    /// What was measured through FlagHAL.
    pub name: String,
    /// What it is compared with.
    pub baseline_name: String,
    /// "ns/call", "launches/s", "us", "GB/s", "pairs/s", "ms".
    pub unit: String,
    pub better: Better,
    pub value: Summary,
    pub baseline: Summary,
    /// Extra numbers for the JSON and the chart (transfer size, plugin ...).
    pub params: Value,
    /// A short remark printed under the table.
    pub note: Option<String>,
}

impl Row {
    /// FlagHAL's performance as a percentage of the baseline's: 100 means
    /// equal, below 100 means slower, whichever direction the unit goes.
    pub fn percent_of_baseline(&self) -> f64 {
        let (v, b) = (self.value.median, self.baseline.median);
        match self.better {
            Better::Higher => 100.0 * v / b,
            Better::Lower => 100.0 * b / v,
        }
    }

    /// value - baseline in the row's unit (the added cost for times).
    pub fn difference(&self) -> f64 {
        self.value.median - self.baseline.median
    }

    pub fn to_json(&self) -> Value {
        let summary = |s: &Summary| {
            json!({"median": s.median, "p25": s.p25, "p75": s.p75, "min": s.min, "max": s.max, "samples": s.samples})
        };
        json!({
            "group": self.group,
            "name": self.name,
            "baseline_name": self.baseline_name,
            "unit": self.unit,
            "better": match self.better { Better::Higher => "higher", Better::Lower => "lower" },
            "value": summary(&self.value),
            "baseline": summary(&self.baseline),
            "percent_of_baseline": self.percent_of_baseline(),
            "difference": self.difference(),
            "params": self.params,
            "note": self.note,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(median: f64) -> Summary {
        Summary { median, p25: median, p75: median, min: median, max: median, samples: 1 }
    }

    fn row(better: Better, value: f64, baseline: f64) -> Row {
        Row {
            group: "g".into(),
            name: "n".into(),
            baseline_name: "b".into(),
            unit: "u".into(),
            better,
            value: summary(value),
            baseline: summary(baseline),
            params: json!({}),
            note: None,
        }
    }

    #[test]
    fn percent_of_baseline_means_the_same_for_rates_and_times() {
        assert_eq!(row(Better::Higher, 90.0, 100.0).percent_of_baseline(), 90.0);
        assert_eq!(row(Better::Lower, 200.0, 100.0).percent_of_baseline(), 50.0);
        assert_eq!(row(Better::Lower, 12.0, 10.0).difference(), 2.0);
    }

    #[test]
    fn json_carries_both_sides_and_the_comparison() {
        let v = row(Better::Lower, 20.0, 10.0).to_json();
        assert_eq!(v["value"]["median"], 20.0);
        assert_eq!(v["baseline"]["median"], 10.0);
        assert_eq!(v["percent_of_baseline"], 50.0);
        assert_eq!(v["better"], "lower");
    }
}

/// Reads back a row written by [`Row::to_json`] (a child process's rows).
pub fn from_json(v: &Value) -> Result<Row, String> {
    let text = |key: &str| v[key].as_str().map(str::to_string).ok_or_else(|| format!("row field {key} missing in {v}"));
    let summary = |key: &str| -> Result<Summary, String> {
        let s = &v[key];
        let num = |k: &str| s[k].as_f64().ok_or_else(|| format!("row field {key}.{k} missing in {v}"));
        Ok(Summary {
            median: num("median")?,
            p25: num("p25")?,
            p75: num("p75")?,
            min: num("min")?,
            max: num("max")?,
            samples: num("samples")? as usize,
        })
    };
    Ok(Row {
        group: text("group")?,
        name: text("name")?,
        baseline_name: text("baseline_name")?,
        unit: text("unit")?,
        better: if text("better")? == "higher" { Better::Higher } else { Better::Lower },
        value: summary("value")?,
        baseline: summary("baseline")?,
        params: v["params"].clone(),
        note: v["note"].as_str().map(str::to_string),
    })
}

#[cfg(test)]
mod round_trip {
    use super::*;

    #[test]
    fn a_row_survives_json_and_a_broken_one_is_refused() {
        let s = Summary { median: 2.0, p25: 1.0, p75: 3.0, min: 0.5, max: 4.0, samples: 9 };
        let row = Row {
            group: "g".into(),
            name: "n".into(),
            baseline_name: "b".into(),
            unit: "GB/s".into(),
            better: Better::Higher,
            value: s,
            baseline: s,
            params: json!({"bytes": 4096}),
            note: Some("x".into()),
        };
        let back = from_json(&row.to_json()).unwrap();
        assert_eq!((back.value, back.better, back.params["bytes"].as_u64()), (s, Better::Higher, Some(4096)));
        assert!(from_json(&json!({"group": "g"})).is_err());
    }
}
