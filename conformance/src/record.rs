//! One test's result as the parent records it, and the child-to-parent line
//! protocol (`@@fhct start NAME`, `@@fhct result {json}`, `@@fhct fatal {json}`,
//! `@@fhct probe {json}`). Pure encoding and decoding.

use crate::outcome::Status;

pub const PREFIX: &str = "@@fhct ";

#[derive(Debug, Clone, PartialEq)]
pub struct TestRecord {
    pub name: String,
    pub core: bool,
    /// "core", or "optional" with the gating capability.
    pub tag: String,
    pub status: Status,
    pub message: String,
    pub duration_ms: f64,
    /// The expectation's reason when one applied.
    pub expectation: Option<String>,
}

impl TestRecord {
    pub fn group(&self) -> &str {
        self.name.split('.').next().unwrap_or(&self.name)
    }
}

/// What a child says on one line of its stdout.
#[derive(Debug, Clone, PartialEq)]
pub enum Line {
    Start(String),
    Result { name: String, status: Status, message: String, duration_ms: f64 },
    Fatal(String),
    Probe(serde_json::Value),
    Other(String),
}

pub fn start_line(name: &str) -> String {
    format!("{PREFIX}start {name}")
}

pub fn result_line(name: &str, status: Status, message: &str, duration_ms: f64) -> String {
    let v = serde_json::json!({"name": name, "status": status.name(), "message": message, "duration_ms": duration_ms});
    format!("{PREFIX}result {v}")
}

pub fn fatal_line(message: &str) -> String {
    format!("{PREFIX}fatal {}", serde_json::Value::String(message.to_string()))
}

pub fn probe_line(value: &serde_json::Value) -> String {
    format!("{PREFIX}probe {value}")
}

pub fn parse_line(line: &str) -> Line {
    let Some(rest) = line.strip_prefix(PREFIX) else {
        return Line::Other(line.to_string());
    };
    let (kind, payload) = rest.split_once(' ').unwrap_or((rest, ""));
    match kind {
        "start" => Line::Start(payload.to_string()),
        "result" => {
            let v: serde_json::Value = match serde_json::from_str(payload) {
                Ok(v) => v,
                Err(_) => return Line::Other(line.to_string()),
            };
            let status = v["status"].as_str().and_then(Status::from_name);
            match (v["name"].as_str(), status) {
                (Some(name), Some(status)) => Line::Result {
                    name: name.to_string(),
                    status,
                    message: v["message"].as_str().unwrap_or("").to_string(),
                    duration_ms: v["duration_ms"].as_f64().unwrap_or(0.0),
                },
                _ => Line::Other(line.to_string()),
            }
        }
        "fatal" => Line::Fatal(serde_json::from_str::<String>(payload).unwrap_or_else(|_| payload.to_string())),
        "probe" => serde_json::from_str(payload).map(Line::Probe).unwrap_or_else(|_| Line::Other(line.to_string())),
        _ => Line::Other(line.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip() {
        assert_eq!(parse_line(&start_line("abi.x")), Line::Start("abi.x".into()));
        let l = result_line("copies.dtod", Status::Fail, "bad \"byte\"\nat 3", 1.5);
        assert_eq!(
            parse_line(&l),
            Line::Result { name: "copies.dtod".into(), status: Status::Fail, message: "bad \"byte\"\nat 3".into(), duration_ms: 1.5 }
        );
        assert_eq!(parse_line(&fatal_line("no device")), Line::Fatal("no device".into()));
        assert_eq!(parse_line("plugin noise"), Line::Other("plugin noise".into()));
        assert!(matches!(parse_line("@@fhct result {broken"), Line::Other(_)));
    }
}
