//! Which bug to plant (FLAGHAL_PLANTED_BUG). Pure mapping.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bug {
    /// Host-to-device copies (sync and async) copy one byte short.
    CopyLength,
    /// An asynchronous memset is held back and issued after the next
    /// operation on its stream, so the stream runs out of order.
    StreamOrder,
    /// fhStreamQuery always reports FH_SUCCESS, even while work is pending.
    QueryLies,
    /// launch_kernel raises SIGSEGV.
    LaunchCrash,
    /// pointer_get_attributes lies: the queried address is reported as the
    /// allocation's base, and the size as half the true size.
    PointerLies,
    /// Queued host-to-device copies read their source when queued (into a
    /// private copy), also from pinned memory, which API 1.2 forbids.
    PinnedSnapshot,
}

pub const ALL: [(&str, Bug); 6] = [
    ("copy_length", Bug::CopyLength),
    ("stream_order", Bug::StreamOrder),
    ("query_lies", Bug::QueryLies),
    ("launch_crash", Bug::LaunchCrash),
    ("pointer_lies", Bug::PointerLies),
    ("pinned_snapshot", Bug::PinnedSnapshot),
];

pub fn parse(name: &str) -> Option<Bug> {
    ALL.iter().find(|(n, _)| *n == name.trim()).map(|(_, b)| *b)
}

pub fn name(bug: Bug) -> &'static str {
    ALL.iter().find(|(_, b)| *b == bug).map(|(n, _)| *n).unwrap_or("unknown")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for (n, b) in ALL {
            assert_eq!(parse(n), Some(b));
            assert_eq!(name(b), n);
        }
        assert_eq!(parse("nothing"), None);
    }
}
