//! What every benchmark gets: the loaded API, the devices under test, the
//! measuring plan for this mode, and the list of rows it appends to.

use crate::measure::Plan;
use crate::row::{Better, Row};
use crate::stats::Summary;
use flaghal_client::{Device, Hal};
use serde_json::Value;
use std::path::PathBuf;

pub struct Suite {
    /// Leaked for the process (see `open_suite`).
    pub hal: &'static Hal,
    pub cpu: Option<Device>,
    pub vulkan: Option<Device>,
    pub opencl: Option<Device>,
    pub smoke: bool,
    /// A private temporary folder (plugin copies); removed at exit.
    pub scratch: PathBuf,
    pub rows: Vec<Row>,
    /// "what: why" for each benchmark that could not run here.
    pub skipped: Vec<String>,
    /// Machine facts measured on the way (memory bandwidth ...).
    pub machine: serde_json::Map<String, Value>,
}

/// The fields of a row apart from the two summaries.
pub struct Label<'a> {
    pub group: &'a str,
    pub name: String,
    pub baseline: &'a str,
    pub unit: &'a str,
    pub better: Better,
}

impl Suite {
    /// The smoke plan when `--smoke`, else the full one.
    pub fn plan(&self, full: Plan, smoke: Plan) -> Plan {
        if self.smoke {
            smoke
        } else {
            full
        }
    }

    /// `full` or, in smoke mode, `smoke` (sizes and counts).
    pub fn pick<T>(&self, full: T, smoke: T) -> T {
        if self.smoke {
            smoke
        } else {
            full
        }
    }

    pub fn add(&mut self, label: Label, (value, baseline): (Summary, Summary), params: Value, note: Option<String>) -> &Row {
        self.rows.push(Row {
            group: label.group.to_string(),
            name: label.name,
            baseline_name: label.baseline.to_string(),
            unit: label.unit.to_string(),
            better: label.better,
            value,
            baseline,
            params,
            note,
        });
        self.rows.last().expect("just pushed")
    }

    pub fn skip(&mut self, what: &str, why: &str) {
        eprintln!("flaghal-bench: skipped {what}: {why}");
        self.skipped.push(format!("{what}: {why}"));
    }
}
