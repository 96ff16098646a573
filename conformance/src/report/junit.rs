//! JUnit XML (one testsuite per group) for CI systems. Pure text building.

use super::Run;
use crate::outcome::Status;

/// Escapes text for XML attributes and content (control characters dropped).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' | '\t' => out.push(c),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}

pub fn render(run: &Run) -> String {
    let mut groups: Vec<&str> = Vec::new();
    for r in &run.records {
        if !groups.contains(&r.group()) {
            groups.push(r.group());
        }
    }
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str(&format!(
        "<testsuites name=\"flaghal-conformance\" tests=\"{}\" failures=\"{}\" errors=\"{}\">\n",
        run.records.len(),
        run.count(Status::Fail),
        run.count(Status::Crash) + run.count(Status::Timeout)
    ));
    for g in groups {
        let records: Vec<_> = run.records.iter().filter(|r| r.group() == g).collect();
        let count = |f: &dyn Fn(Status, bool) -> bool| records.iter().filter(|r| f(r.status, r.core)).count();
        let failures = count(&|s, core| s == Status::Fail || (core && matches!(s, Status::Unsupported | Status::ExpectedFailure)));
        let errors = count(&|s, _| matches!(s, Status::Crash | Status::Timeout));
        let skipped = count(&|s, core| (!core && matches!(s, Status::Unsupported | Status::ExpectedFailure)) || s == Status::NotRun);
        let time: f64 = records.iter().map(|r| r.duration_ms / 1000.0).sum();
        xml.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"{time:.3}\">\n",
            escape(g),
            records.len()
        ));
        for r in records {
            xml.push_str(&format!(
                "    <testcase classname=\"flaghal.{}\" name=\"{}\" time=\"{:.3}\">",
                escape(g),
                escape(&r.name),
                r.duration_ms / 1000.0
            ));
            let message = match &r.expectation {
                Some(reason) => format!("{} (expected failure: {reason})", r.message),
                None => r.message.clone(),
            };
            let body = match (r.status, r.core) {
                (Status::Fail, _) => format!("<failure message=\"{}\" type=\"fail\">{}</failure>", escape(&message), escape(&message)),
                (Status::Crash | Status::Timeout, _) => {
                    format!("<error message=\"{}\" type=\"{}\">{}</error>", escape(&message), r.status.name(), escape(&message))
                }
                (Status::Unsupported | Status::ExpectedFailure, true) => format!(
                    "<failure message=\"{}\" type=\"{}\">a core test must pass: {}</failure>",
                    escape(&message),
                    r.status.name(),
                    escape(&message)
                ),
                (Status::Unsupported | Status::ExpectedFailure, false) => format!("<skipped message=\"{}\"/>", escape(&message)),
                (Status::Warning | Status::UnexpectedPass, _) => format!("<system-out>{}: {}</system-out>", r.status.name(), escape(&message)),
                (Status::Pass, _) => String::new(),
                (Status::NotRun, _) => format!("<skipped message=\"{}\"/>", escape(&message)),
            };
            xml.push_str(&body);
            xml.push_str("</testcase>\n");
        }
        xml.push_str("  </testsuite>\n");
    }
    xml.push_str("</testsuites>\n");
    xml
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn xml_escaping() {
        assert_eq!(escape("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot;");
    }
}
