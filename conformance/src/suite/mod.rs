//! The test catalogue and what every test body gets: the `Ctx` (library,
//! device, properties, reference kernels) and the `Stop` it returns early with.
//!
//! Each group lives in its own file, named after the group; a test's full
//! name is `group.name`. Gates: `Core` tests are mandatory; `Optional(cap)`
//! tests run only on devices reporting `cap` (0: no capability gates it, the
//! test decides, e.g. when a reference kernel is absent) and end
//! `unsupported` otherwise.

pub mod abi;
pub mod copies;
pub mod device;
pub mod errors;
pub mod events;
pub mod init;
pub mod kernels;
pub mod portable;
pub mod memory;
pub mod pointers;
pub mod stress;
pub mod streams;
pub mod util;

use crate::kernels::KernelSet;
use flaghal_client::{Device, Error, Function, Hal, Module, Properties};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

/// Why a test stopped before its end (the end itself is a pass).
#[derive(Debug, Clone, PartialEq)]
pub enum Stop {
    Fail(String),
    Unsupported(String),
}

impl From<Error> for Stop {
    fn from(e: Error) -> Self {
        Stop::Fail(e.to_string())
    }
}

pub type TestResult = Result<(), Stop>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    Core,
    Optional(u64),
}

#[derive(Clone, Copy)]
pub enum Body {
    /// Runs after fhInit with a device.
    Device(fn(&Ctx) -> TestResult),
    /// Runs in a fresh process before fhInit (the `init` group).
    PreInit(fn(&Hal) -> TestResult),
}

#[derive(Clone, Copy)]
pub struct TestDef {
    pub name: &'static str,
    pub gate: Gate,
    pub summary: &'static str,
    pub body: Body,
}

impl TestDef {
    pub fn group(&self) -> &'static str {
        self.name.split('.').next().unwrap_or(self.name)
    }
    pub fn core(&self) -> bool {
        self.gate == Gate::Core
    }
}

pub const fn core(name: &'static str, summary: &'static str, f: fn(&Ctx) -> TestResult) -> TestDef {
    TestDef { name, gate: Gate::Core, summary, body: Body::Device(f) }
}

pub const fn optional(name: &'static str, cap: u64, summary: &'static str, f: fn(&Ctx) -> TestResult) -> TestDef {
    TestDef { name, gate: Gate::Optional(cap), summary, body: Body::Device(f) }
}

/// Every test, in run order (groups in catalogue order).
pub fn catalogue() -> Vec<TestDef> {
    let mut all = Vec::new();
    all.extend(init::tests());
    all.extend(abi::tests());
    all.extend(device::tests());
    all.extend(memory::tests());
    all.extend(pointers::tests());
    all.extend(copies::tests());
    all.extend(streams::tests());
    all.extend(events::tests());
    all.extend(kernels::tests());
    all.extend(portable::tests());
    all.extend(errors::tests());
    all.extend(stress::tests());
    all
}

/// Everything a device test can use.
pub struct Ctx {
    pub hal: Hal,
    pub ordinal: u32,
    pub device: Device,
    pub props: Properties,
    pub kernels: KernelSet,
    /// The plugin library serving the device (from fhPluginGetInfo).
    pub plugin_library: Option<PathBuf>,
    warnings: Mutex<Vec<String>>,
    modules: Mutex<HashMap<usize, Module>>,
    spin_iterations: Mutex<Option<u64>>,
}

impl Ctx {
    pub fn new(hal: Hal, ordinal: u32, device: Device, props: Properties, kernels: KernelSet, plugin_library: Option<PathBuf>) -> Ctx {
        Ctx {
            hal,
            ordinal,
            device,
            props,
            kernels,
            plugin_library,
            warnings: Mutex::new(Vec::new()),
            modules: Mutex::new(HashMap::new()),
            spin_iterations: Mutex::new(None),
        }
    }

    /// Records a remark: a test that passes with remarks ends `warning`.
    pub fn warn(&self, message: impl Into<String>) {
        self.warnings.lock().unwrap_or_else(|e| e.into_inner()).push(message.into());
    }

    pub fn take_warnings(&self) -> Vec<String> {
        std::mem::take(&mut *self.warnings.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// The reference kernel `name`, loading (once) the module that holds it.
    /// The reference kernels this device can run: every kernel of the set,
    /// except optional ones whose capability the device does not report,
    /// and optional ones its image lacks (`fault` on SPIR-V).
    pub fn runnable_kernels(&self) -> Result<Vec<(String, Function)>, Stop> {
        let mut found = Vec::new();
        for name in self.kernels.modules.keys() {
            let cap = crate::kernels::required_capability(name);
            if cap != 0 && self.props.0.capabilities & cap == 0 {
                continue;
            }
            match self.function(name) {
                Ok(f) => found.push((name.clone(), f)),
                Err(Stop::Unsupported(_)) if crate::kernels::OPTIONAL_KERNELS.contains(&name.as_str()) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(found)
    }

    /// A kernel the chosen set lacks makes the test `unsupported`, and so
    /// does an optional kernel (crate::kernels::OPTIONAL_KERNELS) that the
    /// device's image does not define or that no image serves.
    pub fn function(&self, name: &str) -> Result<Function, Stop> {
        let unavailable = || {
            Stop::Unsupported(format!(
                "reference kernel '{name}' is not available for this device (kernels: {}, format {})",
                self.kernels.origin, self.kernels.format
            ))
        };
        let bytes = self.kernels.get(name).ok_or_else(unavailable)?;
        let optional = crate::kernels::OPTIONAL_KERNELS.contains(&name);
        let absent = |e: &Error| {
            optional && (e.status == flaghal_sys::FH_ERROR_NOT_FOUND || e.status == flaghal_sys::FH_ERROR_NOT_SUPPORTED)
        };
        let key = std::sync::Arc::as_ptr(bytes) as usize;
        let mut modules = self.modules.lock().unwrap_or_else(|e| e.into_inner());
        let module = match modules.get(&key) {
            Some(m) => *m,
            None => {
                let m = self.hal.module_load(self.device, self.kernels.format, bytes).map_err(|e| {
                    if absent(&e) {
                        Stop::Unsupported(format!("no image of the '{name}' module for this device: {e}"))
                    } else {
                        Stop::from(e)
                    }
                })?;
                modules.insert(key, m);
                m
            }
        };
        self.hal.get_function(module, name).map_err(|e| {
            if absent(&e) {
                Stop::Unsupported(format!("the device's image of the reference kernels has no '{name}': {e}"))
            } else {
                Stop::from(e)
            }
        })
    }

    pub fn spin_iterations_cache(&self) -> &Mutex<Option<u64>> {
        &self.spin_iterations
    }
}

/// Fails the test with a formatted message unless the condition holds.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $($fmt:tt)+) => {{
        let holds: bool = $cond;
        if !holds {
            return Err($crate::suite::Stop::Fail(format!($($fmt)+)));
        }
    }};
}

/// Fails the test unless a status equals the expected one.
#[macro_export]
macro_rules! expect_status {
    ($got:expr, $want:expr, $($fmt:tt)+) => {{
        let got: i32 = $got;
        let want: i32 = $want;
        if got != want {
            return Err($crate::suite::Stop::Fail(format!(
                "{}: expected {}, got {}",
                format!($($fmt)+),
                $crate::status_names::status_name(want),
                $crate::status_names::status_name(got)
            )));
        }
    }};
}
