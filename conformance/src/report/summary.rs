//! The human summary: a table of statuses per group, the tests that need
//! attention, and the verdict line. Pure text building.

use super::Run;
use crate::outcome::Status;

pub fn render(run: &Run) -> String {
    let mut groups: Vec<&str> = Vec::new();
    for r in &run.records {
        if !groups.contains(&r.group()) {
            groups.push(r.group());
        }
    }
    let columns = [Status::Pass, Status::Warning, Status::Unsupported, Status::Fail, Status::Crash, Status::Timeout, Status::ExpectedFailure, Status::UnexpectedPass];
    let heads = ["pass", "warn", "unsup", "fail", "crash", "timeout", "xfail", "xpass"];
    let mut out = String::new();
    out.push_str(&format!("\n{:<10}", "group"));
    for h in heads {
        out.push_str(&format!("{h:>8}"));
    }
    out.push('\n');
    for g in &groups {
        out.push_str(&format!("{g:<10}"));
        for s in columns {
            let n = run.records.iter().filter(|r| r.group() == *g && r.status == s).count();
            out.push_str(&format!("{:>8}", if n == 0 { "-".to_string() } else { n.to_string() }));
        }
        out.push('\n');
    }
    let attention: Vec<_> = run
        .records
        .iter()
        .filter(|r| r.status != Status::NotRun && (!r.status.acceptable(r.core) || r.status == Status::UnexpectedPass))
        .collect();
    if !attention.is_empty() {
        out.push_str("\nNeeds attention:\n");
        for r in attention {
            let first_line = r.message.lines().next().unwrap_or("");
            out.push_str(&format!("  {:<16} {} [{}] {}\n", r.status.name(), r.name, r.tag, first_line));
        }
    }
    if let Some(why) = &run.gave_up {
        out.push_str(&format!("\nGave up: {why}\n"));
    }
    out.push_str(&format!("\n{}: {}\n", run.verdict_text(), run.counts_line()));
    out
}
