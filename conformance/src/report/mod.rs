//! The reports of a run: the summary printed at the end, JUnit XML for CI,
//! and the JSON certification report.

pub mod json;
pub mod junit;
pub mod summary;

use crate::outcome::{Status, Verdict};
use crate::record::TestRecord;

/// Everything a report needs about one run.
pub struct Run {
    pub records: Vec<TestRecord>,
    pub probe: Option<serde_json::Value>,
    pub probe_error: Option<String>,
    /// CONFORMANT / NOT CONFORMANT, or None when nothing could be tested
    /// (no device and --require-device not given).
    pub verdict: Option<Verdict>,
    pub plugin_arg: Option<String>,
    pub plugin_sha256: Option<String>,
    pub started_unix: u64,
    pub duration_s: f64,
    pub command_line: Vec<String>,
    /// Why the run stopped early (repeated timeouts), when it did.
    pub gave_up: Option<String>,
}

impl Run {
    pub fn count(&self, status: Status) -> usize {
        self.records.iter().filter(|r| r.status == status).count()
    }

    pub fn verdict_text(&self) -> &'static str {
        match self.verdict {
            Some(v) => v.name(),
            None => "NO DEVICE",
        }
    }

    /// "412 tests: 400 pass, 2 fail, ..." (statuses with a zero count left out).
    pub fn counts_line(&self) -> String {
        let parts: Vec<String> =
            Status::ALL.iter().filter(|s| self.count(**s) > 0).map(|s| format!("{} {}", self.count(*s), s.name())).collect();
        format!("{} tests: {}", self.records.len(), if parts.is_empty() { "none ran".into() } else { parts.join(", ") })
    }
}
