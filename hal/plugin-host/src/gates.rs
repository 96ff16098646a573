//! Host functions that let a test control and observe a stream's order
//! without timing: a [`Gate`] blocks the stream until the test opens it; an
//! [`OrderLog`] records which host functions ran, in order.

use std::ffi::c_void;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex};

/// A gate a host function waits on.
#[derive(Default)]
pub struct Gate {
    open: Mutex<bool>,
    opened: Condvar,
    /// Set when the stream reached the gate.
    pub entered: AtomicBool,
}

impl Gate {
    pub fn open(&self) {
        *self.open.lock().unwrap_or_else(|e| e.into_inner()) = true;
        self.opened.notify_all();
    }
    pub fn as_user_data(&self) -> *mut c_void {
        (self as *const Gate).cast_mut().cast()
    }
}

/// Host function: blocks its stream until the gate at `user_data` opens.
///
/// # Safety
/// `user_data` is a [`Gate`] that outlives the stream's work.
pub unsafe extern "C" fn wait_at_gate(user_data: *mut c_void) {
    boundary(|| {
        // SAFETY: per this function's contract.
        let gate = unsafe { flaghal_sys::ptr::in_ref(user_data.cast::<Gate>().cast_const(), "gate") }?;
        gate.entered.store(true, Ordering::SeqCst);
        let mut open = gate.open.lock().unwrap_or_else(|e| e.into_inner());
        while !*open {
            open = gate.opened.wait(open).unwrap_or_else(|e| e.into_inner());
        }
        Ok(())
    })
}

/// An append-only log that host functions write to, to observe order.
#[derive(Default)]
pub struct OrderLog(pub Mutex<Vec<usize>>);

/// What [`append_to_log`] appends, and where.
pub struct LogEntry<'a> {
    pub log: &'a OrderLog,
    pub value: usize,
}

/// Host function: appends the entry's value to its log.
///
/// # Safety
/// `user_data` is a [`LogEntry`] that outlives the stream's work.
pub unsafe extern "C" fn append_to_log(user_data: *mut c_void) {
    boundary(|| {
        // SAFETY: per this function's contract.
        let entry = unsafe { flaghal_sys::ptr::in_ref(user_data.cast::<LogEntry>().cast_const(), "entry") }?;
        entry.log.0.lock().unwrap_or_else(|e| e.into_inner()).push(entry.value);
        Ok(())
    })
}

/// Host function: sleeps for the number of microseconds in `user_data`.
///
/// # Safety
/// None beyond being called as a host function; `user_data` is a number.
pub unsafe extern "C" fn sleep_micros(user_data: *mut c_void) {
    boundary(|| {
        std::thread::sleep(std::time::Duration::from_micros(user_data as u64));
        Ok(())
    })
}

/// The panic boundary of these callbacks: a host function returns nothing,
/// so a failure is only printed.
fn boundary(body: impl FnOnce() -> flaghal_sys::FfiResult) {
    flaghal_sys::ffi_boundary(body, |e| eprintln!("host function failed: {}", e.message));
}
