//! The certification page (docs/certification/README.md) as a pure function
//! of the folder's `index.json` and the conformance reports it names: every
//! backend, its suite version, verdict, pass / unsupported counts, date and
//! machine, then what each backend left unsupported or failed. Nothing here
//! reads files or the clock, so the page is reproducible from the committed
//! reports.
//!
//! `index.json`:
//! ```json
//! {"backends": [
//!   {"backend": "CPU reference plugin", "report": "cpu.json", "machine": "..."},
//!   {"backend": "CUDA plugin on an NVIDIA H200", "report": null, "status": "why there is no report yet"}
//! ]}
//! ```

use serde_json::Value;
use std::collections::BTreeMap;

/// One row of the index.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub backend: String,
    /// The report's file name in the folder, or None (not certified yet).
    pub report: Option<String>,
    /// Where the report was made (the report itself names only the device).
    pub machine: String,
    /// Why there is no report (for `report: null`).
    pub status: String,
}

/// What the page shows of one JSON report (docs/conformance.md, "Reports").
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub suite_version: String,
    pub git_hash: String,
    pub verdict: String,
    pub counts: BTreeMap<String, u64>,
    pub started_unix: u64,
    pub device: String,
    pub plugin: String,
    /// (name, status, message) of every test that did not pass.
    pub not_passed: Vec<(String, String, String)>,
}

fn text(v: &Value, what: &str) -> Result<String, String> {
    v.as_str().map(str::to_string).ok_or_else(|| format!("{what} is not a string"))
}

/// Parses `index.json`.
pub fn parse_index(source: &str) -> Result<Vec<Entry>, String> {
    let v: Value = serde_json::from_str(source).map_err(|e| format!("index.json: {e}"))?;
    let list = v["backends"].as_array().ok_or("index.json: no \"backends\" array")?;
    list.iter()
        .enumerate()
        .map(|(i, b)| {
            let at = |field: &str| format!("index.json: backends[{i}].{field}");
            let backend = text(&b["backend"], &at("backend"))?;
            let report = match &b["report"] {
                Value::Null => None,
                r => Some(text(r, &at("report"))?),
            };
            let machine = if report.is_some() { text(&b["machine"], &at("machine"))? } else { String::new() };
            let status = if report.is_none() { text(&b["status"], &at("status"))? } else { String::new() };
            Ok(Entry { backend, report, machine, status })
        })
        .collect()
}

/// Parses one conformance report (report_format 1).
pub fn parse_report(file: &str, source: &str) -> Result<Report, String> {
    let r: Value = serde_json::from_str(source).map_err(|e| format!("{file}: {e}"))?;
    if r["report_format"].as_u64() != Some(1) {
        return Err(format!("{file}: not a report_format 1 conformance report"));
    }
    let at = |field: &str| format!("{file}: {field}");
    let counts = r["counts"]
        .as_object()
        .ok_or_else(|| at("counts is not an object"))?
        .iter()
        .map(|(k, v)| v.as_u64().map(|n| (k.clone(), n)).ok_or_else(|| at(&format!("counts.{k} is not a count"))))
        .collect::<Result<_, _>>()?;
    let device = match (&r["device"]["name"], &r["device"]["vendor"]) {
        (Value::String(name), Value::String(vendor)) if !name.contains(vendor.as_str()) => format!("{name} ({vendor})"),
        (Value::String(name), _) => name.clone(),
        _ => "no device".to_string(),
    };
    let plugin = format!("{} {}", text(&r["plugin"]["name"], &at("plugin.name"))?, text(&r["plugin"]["version"], &at("plugin.version"))?);
    let results = r["results"].as_array().ok_or_else(|| at("results is not an array"))?;
    let mut not_passed = Vec::new();
    for t in results {
        let status = text(&t["status"], &at("results[].status"))?;
        if status != "pass" {
            not_passed.push((text(&t["name"], &at("results[].name"))?, status, t["message"].as_str().unwrap_or("").to_string()));
        }
    }
    Ok(Report {
        suite_version: text(&r["suite"]["version"], &at("suite.version"))?,
        git_hash: text(&r["suite"]["git_hash"], &at("suite.git_hash"))?,
        verdict: text(&r["verdict"], &at("verdict"))?,
        counts,
        started_unix: r["started_unix"].as_u64().ok_or_else(|| at("started_unix is not a number"))?,
        device,
        plugin,
        not_passed,
    })
}

/// The UTC calendar date (YYYY-MM-DD) of a Unix time.
pub fn date(unix: u64) -> String {
    // Days to civil date (Howard Hinnant's algorithm), for the proleptic
    // Gregorian calendar.
    let z = (unix / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Markdown table cell text: one line, pipes escaped.
fn cell(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ").replace('|', "\\|")
}

fn count(report: &Report, status: &str) -> u64 {
    report.counts.get(status).copied().unwrap_or(0)
}

/// The page for the index entries with their parsed reports.
pub fn render(entries: &[(Entry, Option<Report>)]) -> String {
    let mut page = String::new();
    page.push_str("# Certification\n\n");
    page.push_str(
        "Every FlagHAL backend and what the conformance suite (`flaghal-conformance`, docs/conformance.md) said about it. \
         Generated from the JSON reports in this folder, which `index.json` lists with the machine each ran on, by\n\n",
    );
    page.push_str("```sh\ncargo run -p flaghal-conformance --bin flaghal-certification            # rewrites docs/certification/README.md\ncargo run -p flaghal-conformance --bin flaghal-certification -- --check # what the test runs\n```\n\n");
    page.push_str("Do not edit this page by hand: `cargo test -p flaghal-conformance` fails when it differs from what the reports give.\n");
    page.push_str("A report is the suite's own JSON, unedited: it records the plugin library's sha256 and the suite's git commit.\n\n");
    page.push_str("| backend | device | plugin | suite | verdict | pass | unsupported | other | date (UTC) | machine | report |\n");
    page.push_str("|---|---|---|---|---|---:|---:|---:|---|---|---|\n");
    for (entry, report) in entries {
        let (Some(file), Some(r)) = (&entry.report, report) else { continue };
        let other: u64 = r.counts.iter().filter(|(k, _)| k.as_str() != "pass" && k.as_str() != "unsupported").map(|(_, v)| v).sum();
        page.push_str(&format!(
            "| {} | {} | {} | {} ({}) | **{}** | {} | {} | {} | {} | {} | [{file}]({file}) |\n",
            cell(&entry.backend),
            cell(&r.device),
            cell(&r.plugin),
            cell(&r.suite_version),
            &r.git_hash.chars().take(12).collect::<String>(),
            cell(&r.verdict),
            count(r, "pass"),
            count(r, "unsupported"),
            other,
            date(r.started_unix),
            cell(&entry.machine),
        ));
    }
    let pending: Vec<&Entry> = entries.iter().filter(|(e, _)| e.report.is_none()).map(|(e, _)| e).collect();
    if !pending.is_empty() {
        page.push_str("\n## Not certified yet\n\n");
        for e in pending {
            page.push_str(&format!("- **{}**: {}\n", cell(&e.backend), cell(&e.status)));
        }
    }
    page.push_str("\n## What did not pass\n\n");
    page.push_str("`unsupported` is accepted only where the device said in advance that it lacks what the test needs (docs/conformance.md, \"What conformant means\").\n");
    for (entry, report) in entries {
        let (Some(file), Some(r)) = (&entry.report, report) else { continue };
        page.push_str(&format!("\n**{}** ([{file}]({file})):", cell(&entry.backend)));
        if r.not_passed.is_empty() {
            page.push_str(" every test passed.\n");
            continue;
        }
        page.push('\n');
        for (name, status, message) in &r.not_passed {
            let message = if message.is_empty() { String::new() } else { format!(": {}", cell(message)) };
            page.push_str(&format!("- `{name}` {status}{message}\n"));
        }
    }
    page
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report_json(verdict: &str, unsupported: &[&str]) -> String {
        let mut results = vec![serde_json::json!({"name": "abi.negotiate", "status": "pass", "message": ""})];
        for name in unsupported {
            results.push(serde_json::json!({"name": name, "status": "unsupported", "message": "needs a | second\ndevice"}));
        }
        serde_json::json!({
            "report_format": 1,
            "suite": {"name": "flaghal-conformance", "version": "0.1.0", "git_hash": "0123456789abcdef0123"},
            "started_unix": 1_796_295_488u64,
            "verdict": verdict,
            "counts": {"pass": 1, "unsupported": unsupported.len(), "fail": 0},
            "device": {"name": "AMD EPYC", "vendor": "AMD"},
            "plugin": {"name": "cpu", "version": "0.1.0"},
            "results": results,
        })
        .to_string()
    }

    #[test]
    fn dates_are_utc_calendar_days() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(951_782_400), "2000-02-29");
        assert_eq!(date(1_796_295_488), "2026-12-03");
        assert_eq!(date(4_107_542_400), "2100-03-01");
    }

    #[test]
    fn the_index_needs_a_machine_for_a_report_and_a_status_without_one() {
        let ok = parse_index(r#"{"backends": [{"backend": "CPU", "report": "cpu.json", "machine": "vm"}, {"backend": "CUDA", "report": null, "status": "no GPU yet"}]}"#).unwrap();
        assert_eq!(ok[0].report.as_deref(), Some("cpu.json"));
        assert_eq!(ok[1].status, "no GPU yet");
        assert!(parse_index(r#"{"backends": [{"backend": "CPU", "report": "cpu.json"}]}"#).unwrap_err().contains("machine"));
        assert!(parse_index(r#"{"backends": [{"backend": "CUDA", "report": null}]}"#).unwrap_err().contains("status"));
        assert!(parse_index("[]").is_err());
    }

    #[test]
    fn reports_give_the_row_and_what_did_not_pass() {
        let r = parse_report("cpu.json", &report_json("CONFORMANT", &["errors.cross_device"])).unwrap();
        assert_eq!((r.verdict.as_str(), r.device.as_str(), r.plugin.as_str()), ("CONFORMANT", "AMD EPYC", "cpu 0.1.0"));
        assert_eq!(r.not_passed.len(), 1);
        let entry = Entry { backend: "CPU plugin".into(), report: Some("cpu.json".into()), machine: "a 2-core VM".into(), status: String::new() };
        let pending = Entry { backend: "CUDA plugin".into(), report: None, machine: String::new(), status: "no GPU | yet".into() };
        let page = render(&[(entry, Some(r)), (pending, None)]);
        assert!(page.contains("| CPU plugin | AMD EPYC | cpu 0.1.0 | 0.1.0 (0123456789ab) | **CONFORMANT** | 1 | 1 | 0 | 2026-12-03 | a 2-core VM | [cpu.json](cpu.json) |"), "{page}");
        assert!(page.contains("- **CUDA plugin**: no GPU \\| yet"), "{page}");
        assert!(page.contains("- `errors.cross_device` unsupported: needs a \\| second device"), "{page}");
        assert!(parse_report("x.json", r#"{"report_format": 2}"#).is_err());
    }
}
