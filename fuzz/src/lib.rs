//! `flaghal-fuzz`: a seeded API-sequence fuzzer for libflaghal.so.
//!
//! It calls the fh* functions of flaghal.h in random sequences, with valid
//! arguments and with invalid ones (NULL pointers, destroyed and bogus
//! handles, handles of another kind or device, out-of-range sizes and
//! addresses, unknown flags, garbage module bytes), on every visible device,
//! and checks after each call what the header states:
//!
//! - the call returns the status the header documents for that argument
//!   (exactly, or one of the few it allows: NOT_READY for a query);
//! - a failure other than NOT_READY leaves a detail message;
//! - bytes round-trip: every read-back (synchronous, or asynchronous once its
//!   stream is known complete) matches a byte-by-byte shadow of what was
//!   written (bytes the header leaves undefined are not compared);
//! - a destroyed handle stays invalid forever, also after its slot is reused;
//! - at shutdown everything is destroyed without error and, where the plugin
//!   reports exact free memory, the device's free memory is back to where it
//!   started (with FLAGHAL_VALIDATION=1 the loader's exit-time leak report
//!   covers every device; tests/short_runs.rs checks it).
//!
//! A crash ends the process: the test runs the fuzzer in a child. One seed
//! gives one sequence (rng.rs), so a failure is replayed with its seed and
//! call count. Layout: rng.rs (random numbers), model.rs (what the library
//! should hold), ops.rs (one function per kind of call), this file (the loop
//! and the shutdown checks).

mod model;
mod ops;
mod rng;

pub use ops::OPS;

use flaghal_client::Hal;
use flaghal_sys::*;
use model::{DeviceInfo, Model};
use rng::Rng;

/// What to run.
#[derive(Debug, Clone)]
pub struct Config {
    pub seed: u64,
    /// fh* calls to make (the count includes the fuzzer's own checking calls).
    pub calls: u64,
    /// Whether FLAGHAL_VALIDATION=1 is set (the loader then checks device
    /// ranges on every device, so invalid addresses are fuzzed everywhere).
    pub validation: bool,
    /// Operations (ops::OPS names) never picked: `--skip`.
    pub skip: Vec<String>,
}

/// What a run did.
#[derive(Debug, Default)]
pub struct Report {
    pub calls: u64,
    /// Calls that returned a failure status (as expected).
    pub refused: u64,
    /// Bytes compared against the shadow.
    pub bytes_checked: u64,
    pub devices: Vec<String>,
    /// Calls per kind of operation (ops::OPS order).
    pub per_op: Vec<u64>,
}

pub struct Fuzzer<'h> {
    pub(crate) hal: &'h Hal,
    pub(crate) model: Model,
    pub(crate) rng: Rng,
    pub(crate) config: Config,
    pub(crate) report: Report,
    /// The last operations, for the failure message.
    pub(crate) trail: std::collections::VecDeque<String>,
}

/// Runs one seeded sequence on every visible device; Err describes the first
/// broken invariant with the seed, the call count and the last operations.
pub fn run(hal: &Hal, config: Config) -> Result<Report, String> {
    let mut fuzzer = Fuzzer::new(hal, config)?;
    let result = fuzzer.run_sequence();
    result.map_err(|e| fuzzer.failure(&e))?;
    fuzzer.shutdown().map_err(|e| fuzzer.failure(&e))?;
    Ok(fuzzer.report)
}

impl<'h> Fuzzer<'h> {
    fn new(hal: &'h Hal, config: Config) -> Result<Fuzzer<'h>, String> {
        hal.init(0).map_err(|e| format!("fhInit: {e}"))?;
        let mut model = Model::default();
        let count = hal.device_count().map_err(|e| e.to_string())?;
        for ordinal in 0..count {
            let device = hal.device(ordinal).map_err(|e| e.to_string())?;
            let props = hal.properties(device).map_err(|e| e.to_string())?.0;
            model.devices.push(DeviceInfo {
                handle: device.0,
                name: format!(
                    "{} ({})",
                    flaghal_sys::ptr::char_array_to_string(&props.name),
                    flaghal_sys::ptr::char_array_to_string(&props.plugin_name)
                ),
                caps: props.capabilities,
                alignment: u64::from(props.memory_alignment),
                formats: props.module_formats[..props.module_format_count as usize].to_vec(),
            });
        }
        if model.devices.is_empty() {
            return Err("no device is visible (set FLAGHAL_PLUGIN_FILES)".into());
        }
        let report = Report { devices: model.devices.iter().map(|d| d.name.clone()).collect(), per_op: vec![0; OPS.len()], ..Report::default() };
        let mut fuzzer = Fuzzer { hal, model, rng: Rng::new(config.seed), config, report, trail: Default::default() };
        for d in 0..fuzzer.model.devices.len() {
            let free = ops::free_memory(&mut fuzzer, d)?; // the baseline of the leak check
            fuzzer.model.initial_free.push(Some(free));
        }
        Ok(fuzzer)
    }

    fn run_sequence(&mut self) -> Result<(), String> {
        let weights: Vec<u32> = OPS.iter().map(|(name, w, _)| if self.config.skip.iter().any(|s| s == name) { 0 } else { *w }).collect();
        let total: u32 = weights.iter().sum();
        if total == 0 {
            return Err("--skip leaves no operation".into());
        }
        while self.report.calls < self.config.calls {
            let mut roll = self.rng.below(total as usize) as u32;
            let (index, (name, _, op)) = OPS
                .iter()
                .enumerate()
                .find(|(i, _)| {
                    let w = &weights[*i];
                    if roll < *w {
                        true
                    } else {
                        roll -= w;
                        false
                    }
                })
                .expect("the roll is below the total weight");
            self.report.per_op[index] += 1;
            self.note(name.to_string());
            op(self)?;
        }
        Ok(())
    }

    /// Records an operation in the trail (the last 16 are kept).
    pub(crate) fn note(&mut self, what: String) {
        if self.trail.len() == 16 {
            self.trail.pop_front();
        }
        self.trail.push_back(what);
    }

    fn failure(&self, what: &str) -> String {
        let trail: Vec<&str> = self.trail.iter().map(|s| s.as_str()).collect();
        format!(
            "seed {} after {} calls: {what}\n  devices: {}\n  last operations:\n    {}",
            self.config.seed,
            self.report.calls,
            self.report.devices.join(", "),
            trail.join("\n    ")
        )
    }

    /// Checks one call's status against what the header allows for the
    /// arguments it was given, and that a failure left a detail message.
    pub(crate) fn expect(&mut self, call: &str, status: fh_status_t, allowed: &[fh_status_t]) -> Result<fh_status_t, String> {
        self.report.calls += 1;
        if !allowed.contains(&status) {
            let names: Vec<String> = allowed.iter().map(|s| self.hal.status_name(*s)).collect();
            return Err(format!(
                "{call} returned {} ({}); flaghal.h allows {}",
                self.hal.status_name(status),
                self.hal.last_error_message(),
                names.join(" or ")
            ));
        }
        if status != FH_SUCCESS {
            self.report.refused += 1;
            if status != FH_ERROR_NOT_READY && self.hal.last_error_message().is_empty() {
                return Err(format!("{call} returned {} without a detail message", self.hal.status_name(status)));
            }
        }
        Ok(status)
    }

    /// Destroys and frees everything, checking each status, then checks
    /// that free memory is back where it started where the plugin is exact.
    fn shutdown(&mut self) -> Result<(), String> {
        let devices = self.model.devices.len();
        for d in 0..devices {
            ops::device_synchronize_checked(self, d)?;
        }
        while let Some(s) = self.model.streams.pop() {
            // SAFETY: a live stream.
            let rc = unsafe { self.hal.raw().fhStreamDestroy(s.handle) };
            self.expect("fhStreamDestroy (shutdown)", rc, &[FH_SUCCESS])?;
        }
        while let Some(e) = self.model.events.pop() {
            // SAFETY: a live event.
            let rc = unsafe { self.hal.raw().fhEventDestroy(e.handle) };
            self.expect("fhEventDestroy (shutdown)", rc, &[FH_SUCCESS])?;
        }
        while let Some(a) = self.model.allocations.pop() {
            let device = self.model.devices[a.device].handle;
            // SAFETY: a live allocation of that device.
            let rc = unsafe { self.hal.raw().fhMemFree(device, a.base) };
            self.expect("fhMemFree (shutdown)", rc, &[FH_SUCCESS])?;
        }
        while let Some((d, p)) = self.model.pinned.pop() {
            // SAFETY: live pinned memory of that device.
            let rc = unsafe { self.hal.raw().fhMemFreeHost(self.model.devices[d].handle, p as *mut std::ffi::c_void) };
            self.expect("fhMemFreeHost (shutdown)", rc, &[FH_SUCCESS])?;
        }
        for d in 0..devices {
            let (start, now) = (ops::initial_free(self, d), ops::free_memory(self, d)?);
            if self.model.devices[d].name.ends_with("(cpu)") && start != Some(now) {
                return Err(format!("{}: {now} bytes free after everything was freed, {start:?} at the start (a leak)", self.model.devices[d].name));
            }
        }
        Ok(())
    }
}

