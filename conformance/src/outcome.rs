//! Test statuses, their meaning for the verdict, and the verdict itself.
//! Pure functions; the rules are those of docs/conformance.md.

/// How one test ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    Pass,
    Fail,
    /// The device says (through its capabilities or module formats) that it
    /// lacks what the test needs.
    Unsupported,
    /// Passed, with a remark worth reading (e.g. an implausible timing).
    Warning,
    /// The test process died (signal, abort) while running it.
    Crash,
    /// The test ran past the time limit and its process was killed.
    Timeout,
    /// Listed in the expectations file and failed (or was not run).
    ExpectedFailure,
    /// Listed in the expectations file but passed: remove the entry.
    UnexpectedPass,
    /// Never started: the run gave up after repeated timeouts (--max-timeouts).
    NotRun,
}

impl Status {
    pub const ALL: [Status; 9] = [
        Status::Pass,
        Status::Fail,
        Status::Unsupported,
        Status::Warning,
        Status::Crash,
        Status::Timeout,
        Status::ExpectedFailure,
        Status::UnexpectedPass,
        Status::NotRun,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Unsupported => "unsupported",
            Status::Warning => "warning",
            Status::Crash => "crash",
            Status::Timeout => "timeout",
            Status::ExpectedFailure => "expected-failure",
            Status::UnexpectedPass => "unexpected-pass",
            Status::NotRun => "not-run",
        }
    }

    pub fn from_name(name: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Whether the test itself behaved as the specification says.
    pub fn is_good(self) -> bool {
        matches!(self, Status::Pass | Status::Warning | Status::UnexpectedPass)
    }

    /// Whether this ending is acceptable for a conformant plugin: core tests
    /// must pass (warnings allowed); optional tests may also be unsupported.
    /// An expected failure is a known failure: it still fails a core test.
    pub fn acceptable(self, core: bool) -> bool {
        if core {
            self.is_good()
        } else {
            self.is_good() || matches!(self, Status::Unsupported | Status::ExpectedFailure)
        }
    }
}

/// Applies an expectation entry to a test's real ending.
pub fn apply_expectation(real: Status) -> Status {
    match real {
        Status::Pass | Status::Warning => Status::UnexpectedPass,
        Status::Fail | Status::Crash | Status::Timeout => Status::ExpectedFailure,
        other => other,
    }
}

/// The overall verdict of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Conformant,
    NotConformant,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Conformant => "CONFORMANT",
            Verdict::NotConformant => "NOT CONFORMANT",
        }
    }
}

/// Conformant = at least one test ran, and every test ended acceptably for
/// its tag (`results`: (core?, status)). `device_found` false is never
/// conformant when a device is required.
pub fn verdict(results: &[(bool, Status)], device_found: bool, require_device: bool) -> Verdict {
    if (require_device && !device_found) || results.is_empty() {
        return Verdict::NotConformant;
    }
    if results.iter().all(|(core, status)| status.acceptable(*core)) {
        Verdict::Conformant
    } else {
        Verdict::NotConformant
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_unsupported_is_a_failure() {
        assert!(!Status::Unsupported.acceptable(true));
        assert!(Status::Unsupported.acceptable(false));
        assert!(Status::Warning.acceptable(true));
        assert!(!Status::ExpectedFailure.acceptable(true));
        assert!(!Status::Crash.acceptable(false));
    }

    #[test]
    fn verdicts() {
        use Status::*;
        assert_eq!(verdict(&[(true, Pass), (false, Unsupported)], true, true), Verdict::Conformant);
        assert_eq!(verdict(&[(true, Pass), (true, Unsupported)], true, true), Verdict::NotConformant);
        assert_eq!(verdict(&[(true, Pass), (false, Timeout)], true, true), Verdict::NotConformant);
        assert_eq!(verdict(&[], true, false), Verdict::NotConformant, "nothing ran proves nothing");
        assert_eq!(verdict(&[(true, Pass)], false, true), Verdict::NotConformant);
    }

    #[test]
    fn expectations_turn_endings() {
        assert_eq!(apply_expectation(Status::Crash), Status::ExpectedFailure);
        assert_eq!(apply_expectation(Status::Pass), Status::UnexpectedPass);
        assert_eq!(apply_expectation(Status::Unsupported), Status::Unsupported);
        for s in Status::ALL {
            assert_eq!(Status::from_name(s.name()), Some(s));
        }
    }
}
