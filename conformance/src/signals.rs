//! Terminating the suite terminates its test process. Each test child runs
//! in a process group of its own (so a terminal's Ctrl-C reaches only the
//! parent, which decides), and the parent handles SIGINT, SIGTERM and SIGHUP
//! by killing the running child's whole group with SIGKILL, then dying of
//! the same signal with the default action, so its exit status is the
//! conventional one (a shell reports 128 + signal: 130, 143, 129) and a
//! cancelled CI job leaves no process behind. A child also asks the kernel
//! for SIGKILL when its parent dies (PR_SET_PDEATHSIG), which covers a parent
//! killed by SIGKILL, which no handler sees.

use std::ffi::{c_int, c_ulong};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicI32, Ordering};

const SIGHUP: c_int = 1;
const SIGINT: c_int = 2;
const SIGKILL: c_int = 9;
const SIGTERM: c_int = 15;
const SIG_DFL: usize = 0;
const PR_SET_PDEATHSIG: c_int = 1;

extern "C" {
    /// ISO C signal(3); the handler as an address (SIG_DFL is 0).
    fn signal(signal: c_int, handler: usize) -> usize;
    /// POSIX kill(2); a negative pid names a process group.
    fn kill(pid: i32, signal: c_int) -> c_int;
    /// ISO C raise(3).
    fn raise(signal: c_int) -> c_int;
    /// Linux prctl(2).
    fn prctl(option: c_int, arg: c_ulong, ...) -> c_int;
}

/// The process group (= pid) of the running test child; 0 when none.
static CHILD_GROUP: AtomicI32 = AtomicI32::new(0);

/// Installs the handlers in the parent (never in a test child).
pub fn install() {
    for sig in [SIGINT, SIGTERM, SIGHUP] {
        // SAFETY: `on_signal` is an extern "C" fn(c_int) that only calls
        // async-signal-safe functions (kill, signal, raise) and an atomic load.
        unsafe { signal(sig, on_signal as extern "C" fn(c_int) as usize) };
    }
}

extern "C" fn on_signal(sig: c_int) {
    let group = CHILD_GROUP.load(Ordering::SeqCst);
    // SAFETY: async-signal-safe calls with plain integer arguments.
    unsafe {
        if group > 0 {
            kill(-group, SIGKILL);
        }
        signal(sig, SIG_DFL);
        raise(sig);
    }
}

/// Makes `cmd` start in its own process group and die with its parent.
pub fn prepare(cmd: &mut Command) {
    cmd.process_group(0);
    // SAFETY: the closure runs between fork and exec and only calls prctl,
    // which is async-signal-safe, on the child itself.
    unsafe {
        cmd.pre_exec(|| {
            prctl(PR_SET_PDEATHSIG, SIGKILL as c_ulong);
            Ok(())
        })
    };
}

/// Records `child` as the one to kill on a signal.
pub fn track(child: &Child) {
    CHILD_GROUP.store(child.id() as i32, Ordering::SeqCst);
}

/// Forgets `child` once it has been waited for (its pid may be reused).
pub fn untrack(child: &Child) {
    let _ = CHILD_GROUP.compare_exchange(child.id() as i32, 0, Ordering::SeqCst, Ordering::SeqCst);
}
