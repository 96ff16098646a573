//! What a device answers after a kernel fault (pure).
//!
//! CUDA's kernel faults are sticky (conv::is_sticky): once a kernel hits an
//! illegal address, a trap or an assert, every later call in its context
//! returns the same error, and the only way out is destroying the context,
//! which frees every allocation, module, stream and event the application
//! holds. FlagHAL wants the fault reported once as FH_ERROR_LAUNCH_FAILED
//! and the stream usable afterwards; the plugin cannot give the second part
//! without invalidating every handle, so it does this instead:
//!
//! - the first synchronisation after the fault (fhStreamSynchronize,
//!   fhEventSynchronize, fhDeviceSynchronize or fhStreamDestroy of any stream
//!   of the device) returns FH_ERROR_LAUNCH_FAILED, with the CUDA error and
//!   the call that saw it in the detail;
//! - every other call, and every later synchronisation, returns
//!   FH_ERROR_DEVICE_LOST ("the device stopped working; its objects can
//!   only be destroyed", flaghal.h);
//! - destroy calls (fhStreamDestroy, fhEventDestroy, fhModuleUnload,
//!   fhMemFree, fhMemFreeHost) still succeed: they release what the plugin
//!   holds and ignore the driver's answer.
//!
//! The process must restart to use the GPU again. docs/cuda.md says so.

use crate::conv::result_name;
use crate::driver::CUresult;
use flaghal_sys::{self as sys, FfiError};

/// The kind of entry asking, for [`Health::verdict`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Caller {
    /// A call that waits for a stream, an event or the device: reports a
    /// kernel failure (flaghal.h, "Ordering").
    Wait,
    /// A call that destroys or frees: always goes ahead.
    Destroy,
    /// Everything else.
    Other,
}

/// The fault that ended the context: the CUDA result and the call that saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    pub result: CUresult,
    pub operation: String,
}

/// A device's health: no fault, or the first fault and whether a
/// synchronisation has reported it.
#[derive(Debug, Default)]
pub struct Health {
    fault: Option<Fault>,
    reported: bool,
}

impl Health {
    pub fn is_lost(&self) -> bool {
        self.fault.is_some()
    }

    /// Records a sticky `result` seen by `operation`; only the first counts.
    pub fn record(&mut self, result: CUresult, operation: &str) {
        if self.fault.is_none() {
            self.fault = Some(Fault { result, operation: operation.to_string() });
        }
    }

    pub fn fault(&self) -> Option<&Fault> {
        self.fault.as_ref()
    }

    /// None while the device is healthy or for a [`Caller::Destroy`]; else
    /// the error `caller` returns (see the module doc).
    pub fn verdict(&mut self, caller: Caller) -> Option<FfiError> {
        let fault = self.fault.as_ref()?;
        let cause = format!("{} returned {}", fault.operation, result_name(fault.result));
        match caller {
            Caller::Destroy => None,
            Caller::Wait if !self.reported => {
                self.reported = true;
                Some(FfiError::new(
                    sys::FH_ERROR_LAUNCH_FAILED,
                    format!(
                        "a kernel on this device failed: {cause}. CUDA kernel faults are sticky: the device's CUDA context is unusable, \
                         and every later call on this device returns FH_ERROR_DEVICE_LOST until the process restarts"
                    ),
                ))
            }
            Caller::Wait | Caller::Other => Some(FfiError::new(
                sys::FH_ERROR_DEVICE_LOST,
                format!(
                    "the device's CUDA context is unusable since a kernel fault ({cause}; reported once as FH_ERROR_LAUNCH_FAILED): \
                     only destroying objects works until the process restarts"
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_healthy_device_answers_nothing() {
        let mut h = Health::default();
        for caller in [Caller::Wait, Caller::Other, Caller::Destroy] {
            assert!(h.verdict(caller).is_none());
        }
        assert!(!h.is_lost());
    }

    #[test]
    fn the_first_wait_reports_launch_failed_once_then_device_lost() {
        let mut h = Health::default();
        h.record(700, "cuStreamSynchronize");
        h.record(719, "cuCtxSynchronize");
        assert_eq!(h.fault(), Some(&Fault { result: 700, operation: "cuStreamSynchronize".into() }), "the first fault is kept");
        let other = h.verdict(Caller::Other).expect("lost");
        assert_eq!(other.status, sys::FH_ERROR_DEVICE_LOST, "a copy before any wait does not consume the report");
        let first = h.verdict(Caller::Wait).expect("lost");
        assert_eq!(first.status, sys::FH_ERROR_LAUNCH_FAILED);
        assert!(first.message.contains("CUDA_ERROR_ILLEGAL_ADDRESS (700)") && first.message.contains("cuStreamSynchronize"), "{}", first.message);
        let second = h.verdict(Caller::Wait).expect("lost");
        assert_eq!(second.status, sys::FH_ERROR_DEVICE_LOST, "reported once");
        assert!(h.verdict(Caller::Destroy).is_none(), "destroying still works");
    }
}
