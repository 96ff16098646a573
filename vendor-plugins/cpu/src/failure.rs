//! Deferred kernel failures (FH_ERROR_LAUNCH_FAILED).
//!
//! A kernel that calls ctx->fail ends its launch with a [`Failure`]. The
//! stream keeps it until a synchronisation reports it: fhStreamSynchronize,
//! fhDeviceSynchronize, or fhEventSynchronize on an event recorded after the
//! failed launch. Whichever comes first reports it; it is reported once.

use flaghal_sys::{FfiError, FH_ERROR_LAUNCH_FAILED};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

static SEQUENCE: AtomicU64 = AtomicU64::new(0);

#[derive(Debug)]
pub struct Failure {
    /// Order of failures across all streams (device sync reports the first).
    pub sequence: u64,
    pub message: String,
    reported: AtomicBool,
}

impl Failure {
    pub fn new(message: String) -> Arc<Failure> {
        Arc::new(Failure { sequence: SEQUENCE.fetch_add(1, Ordering::Relaxed), message, reported: AtomicBool::new(false) })
    }

    pub fn is_reported(&self) -> bool {
        self.reported.load(Ordering::Acquire)
    }

    /// The error to return, the first time only.
    pub fn report(&self) -> Option<FfiError> {
        (!self.reported.swap(true, Ordering::AcqRel)).then(|| FfiError::new(FH_ERROR_LAUNCH_FAILED, self.message.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_is_reported_once() {
        let f = Failure::new("kernel k failed".into());
        assert!(!f.is_reported());
        assert_eq!(f.report().unwrap().status, FH_ERROR_LAUNCH_FAILED);
        assert!(f.report().is_none());
        assert!(Failure::new(String::new()).sequence > f.sequence);
    }
}
