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
    /// event_elapsed_time reports 0 ms for every pair of events.
    ZeroElapsed,
    /// stream_create and event_create succeed but return a NULL handle (the
    /// object they made is destroyed first, so nothing leaks).
    NullHandle,
    /// stream_synchronize never returns.
    SyncHangs,
    /// pointer_get_attributes lies: the queried address is reported as the
    /// allocation's base, and the size as half the true size.
    PointerLies,
    /// Queued host-to-device copies read their source when queued (into a
    /// private copy), also from pinned memory, which API 1.2 forbids.
    PinnedSnapshot,
    /// stream_create fails with FH_ERROR_OUT_OF_MEMORY, as a device with no
    /// memory left for another queue does. Not a broken promise but a fault
    /// injected: it proves callers report the real cause (tests/flagos_bringup.rs).
    StreamOom,
}

pub const ALL: [(&str, Bug); 10] = [
    ("copy_length", Bug::CopyLength),
    ("stream_order", Bug::StreamOrder),
    ("query_lies", Bug::QueryLies),
    ("launch_crash", Bug::LaunchCrash),
    ("zero_elapsed", Bug::ZeroElapsed),
    ("null_handle", Bug::NullHandle),
    ("sync_hangs", Bug::SyncHangs),
    ("pointer_lies", Bug::PointerLies),
    ("pinned_snapshot", Bug::PinnedSnapshot),
    ("stream_oom", Bug::StreamOom),
];

/// The names, for messages ("copy_length, stream_order, ...").
pub fn names() -> String {
    ALL.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
}

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
