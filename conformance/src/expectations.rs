//! The expectations file: known failures per plugin, so a vendor's CI can
//! track them without hiding them (docs/conformance.md). Pure parsing and
//! matching.
//!
//! ```json
//! { "acme-npu": [ { "test": "kernels.atomic_*", "version": "2.*",
//!                   "device": "Acme X1", "reason": "firmware bug #123" } ] }
//! ```
//! Keys are plugin names; `test` and `version` are globs (version defaults
//! to "*"), `device` a substring of the device name (defaults to "", any),
//! `reason` is required.

use flaghal_sys::glob;

#[derive(Debug, Clone, PartialEq)]
pub struct Expectation {
    pub plugin: String,
    pub version: String,
    pub device: String,
    pub test: String,
    pub reason: String,
}

pub fn parse(text: &str) -> Result<Vec<Expectation>, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let object = value.as_object().ok_or("the top level must be an object keyed by plugin name")?;
    let mut all = Vec::new();
    for (plugin, entries) in object {
        let entries = entries.as_array().ok_or_else(|| format!("\"{plugin}\" must be an array of entries"))?;
        for (i, entry) in entries.iter().enumerate() {
            let field = |name: &str, default: Option<&str>| -> Result<String, String> {
                match entry.get(name) {
                    Some(serde_json::Value::String(s)) => Ok(s.clone()),
                    Some(_) => Err(format!("\"{plugin}\"[{i}].{name} must be a string")),
                    None => default.map(String::from).ok_or_else(|| format!("\"{plugin}\"[{i}] needs \"{name}\"")),
                }
            };
            if !entry.is_object() {
                return Err(format!("\"{plugin}\"[{i}] must be an object"));
            }
            let reason = field("reason", None)?;
            if reason.trim().is_empty() {
                return Err(format!("\"{plugin}\"[{i}].reason is empty: say why the test is expected to fail"));
            }
            all.push(Expectation {
                plugin: plugin.clone(),
                version: field("version", Some("*"))?,
                device: field("device", Some(""))?,
                test: field("test", None)?,
                reason,
            });
        }
    }
    Ok(all)
}

/// The reason a test is expected to fail on this plugin and device, if any.
pub fn find<'a>(all: &'a [Expectation], plugin: &str, version: &str, device: &str, test: &str) -> Option<&'a Expectation> {
    all.iter().find(|e| e.plugin == plugin && glob::matches(&e.version, version) && device.contains(&e.device) && glob::matches(&e.test, test))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_parse_and_match() {
        let all = parse(r#"{"acme": [{"test": "kernels.*", "version": "2.*", "device": "X1", "reason": "bug 1"}],
                            "cpu": [{"test": "streams.in_order", "reason": "bug 2"}]}"#)
        .unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(find(&all, "acme", "2.4", "Acme X1 Pro", "kernels.args_blob").unwrap().reason, "bug 1");
        assert!(find(&all, "acme", "3.0", "Acme X1", "kernels.args_blob").is_none(), "version glob");
        assert!(find(&all, "acme", "2.0", "Acme X2", "kernels.args_blob").is_none(), "device substring");
        assert!(find(&all, "cpu", "0.1.0", "any", "streams.in_order").is_some());
        assert!(find(&all, "cpu", "0.1.0", "any", "streams.empty").is_none());
    }

    #[test]
    fn bad_files_are_explained() {
        assert!(parse("[]").unwrap_err().contains("object"));
        assert!(parse(r#"{"a": [{"test": "x"}]}"#).unwrap_err().contains("reason"));
        assert!(parse(r#"{"a": [{"test": "x", "reason": " "}]}"#).unwrap_err().contains("empty"));
        assert!(parse(r#"{"a": [{"reason": "r"}]}"#).unwrap_err().contains("test"));
        assert!(parse(r#"{"a": {"test": "x"}}"#).unwrap_err().contains("array"));
    }
}
