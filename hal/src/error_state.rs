//! Thread-local error state.
//!
//! - The application thread's detail message (fhGetLastErrorMessage): set
//!   by every failing call except FH_ERROR_NOT_READY, never by a success.
//! - The detail a plugin attached with host->set_error_detail during the
//!   current entry call; the loader takes it right after the plugin returns
//!   an error and builds `<plugin>: <fhFunction>: <detail>`.

use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Threads holding a pending plugin detail (process-wide), so the success
/// path tests one global word instead of calling __tls_get_addr.
static PENDING_ANYWHERE: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static MESSAGE: RefCell<String> = const { RefCell::new(String::new()) };
    static PLUGIN_DETAIL: RefCell<Option<String>> = const { RefCell::new(None) };
    /// A plugin detail is stored (a destructor-free flag: one TLS load to test).
    static DETAIL_PENDING: Cell<bool> = const { Cell::new(false) };
}

/// Replaces the calling thread's detail message. Silently does nothing while
/// the thread is being torn down.
pub fn set_message(text: &str) {
    let _ = MESSAGE.try_with(|m| {
        if let Ok(mut m) = m.try_borrow_mut() {
            m.clear();
            m.push_str(text);
        }
    });
}

/// Runs `f` on the calling thread's detail message ("" if none).
pub fn with_message<R>(f: impl FnOnce(&str) -> R) -> R {
    let mut f = Some(f);
    let result = MESSAGE.try_with(|m| match m.try_borrow() {
        Ok(m) => Some((f.take().expect("called once"))(&m)),
        Err(_) => None,
    });
    match result {
        Ok(Some(r)) => r,
        _ => (f.take().expect("not yet called"))(""),
    }
}

/// Stores the detail a plugin attaches to the error it is about to return.
pub fn set_plugin_detail(text: String) {
    let _ = PLUGIN_DETAIL.try_with(|d| {
        if let Ok(mut d) = d.try_borrow_mut() {
            *d = Some(text);
            let _ = DETAIL_PENDING.try_with(|p| {
                if !p.replace(true) {
                    PENDING_ANYWHERE.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
}

/// Drops a detail a plugin attached to a call that then succeeded, so it can
/// never be blamed on a later failure. Costs one thread-local load when none
/// is pending (the common case).
#[inline]
pub fn discard_stale_plugin_detail() {
    if PENDING_ANYWHERE.load(Ordering::Relaxed) != 0 {
        discard_slow();
    }
}

#[cold]
#[inline(never)]
fn discard_slow() {
    if DETAIL_PENDING.try_with(Cell::get).unwrap_or(false) {
        let _ = take_plugin_detail();
    }
}

/// Takes (and clears) the detail the plugin attached on this thread.
pub fn take_plugin_detail() -> Option<String> {
    let _ = DETAIL_PENDING.try_with(|p| {
        if p.replace(false) {
            PENDING_ANYWHERE.fetch_sub(1, Ordering::Relaxed);
        }
    });
    PLUGIN_DETAIL.try_with(|d| d.try_borrow_mut().ok().and_then(|mut d| d.take())).ok().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_per_thread() {
        set_message("flaghal: fhX: first");
        assert_eq!(with_message(str::to_string), "flaghal: fhX: first");
        std::thread::spawn(|| assert_eq!(with_message(str::to_string), "")).join().unwrap();
        set_message("second");
        assert_eq!(with_message(|m| m.len()), 6);
    }

    #[test]
    fn plugin_detail_is_taken_once() {
        assert_eq!(take_plugin_detail(), None);
        set_plugin_detail("out of memory".into());
        assert_eq!(take_plugin_detail().as_deref(), Some("out of memory"));
        assert_eq!(take_plugin_detail(), None);
    }

    #[test]
    fn a_detail_left_by_a_successful_call_is_discarded() {
        set_plugin_detail("stale".into());
        discard_stale_plugin_detail();
        assert_eq!(take_plugin_detail(), None);
        discard_stale_plugin_detail();
        assert_eq!(take_plugin_detail(), None);
    }
}
