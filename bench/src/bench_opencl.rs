//! Section 9 of the table: the OpenCL plugin beside raw OpenCL on the same
//! platform and device (`cl_raw.rs`), measured in the same run, samples
//! alternating, as the Vulkan rows sit beside raw ash: call overhead (9.1),
//! launch throughput (9.2) and latency (9.3) of an empty kernel, synchronous
//! copies (9.4; coarse-grained SVM in a child process, the variable is read
//! at plugin start) and SAXPY (9.5). Both sides run the same OpenCL C, the
//! image of the kernels' bundles that build.rs makes with flaghal-kernel.
//! Without an OpenCL device the section is skipped and says why.

use crate::cl_raw::{self, RawOpenCl};
use crate::suite::Suite;
use flaghal_client::Device;
use serde_json::json;

pub const CALLS: &str = "9.1 OpenCL call overhead (stream query / event status)";
pub const THROUGHPUT: &str = "9.2 OpenCL launch throughput (empty kernel, launches then synchronize)";
pub const LATENCY: &str = "9.3 OpenCL launch latency (launch + synchronize round trip)";
pub const COPY: &str = "9.4 OpenCL copy bandwidth (synchronous copies)";
pub const SAXPY: &str = "9.5 OpenCL kernel throughput (SAXPY, 12 bytes per element)";

/// The child mode that measures the copies with coarse-grained SVM.
pub const COARSE_CHILD: &str = "copy-opencl-coarse";

pub fn run(s: &mut Suite) -> Result<(), String> {
    let Some(device) = s.opencl else {
        s.skip("OpenCL rows (section 9)", &format!("no FlagHAL OpenCL device: {}", cl_raw::why_no_device()));
        return Ok(());
    };
    let raw = open_raw(s, device, false)?;
    s.machine.insert("opencl_device".into(), json!(format!("{} ({}, {})", raw.name, raw.platform, raw.platform_version)));
    s.machine.insert("opencl_svm".into(), json!(if raw.fine_svm { "fine-grained" } else { "coarse-grained" }));
    crate::bench_opencl_calls::run(s, device, &raw)?;
    crate::bench_opencl_launch::run(s, device, &raw)?;
    crate::bench_opencl_copy::run_device(s, "opencl", device, &raw)?;
    let rows = crate::child::spawn_rows(COARSE_CHILD, s.smoke, &[("FLAGHAL_OPENCL_COARSE_SVM", "1")])?;
    s.rows.extend(rows);
    crate::bench_opencl_saxpy::run(s, device, &raw)
}

/// The raw side on the FlagHAL device's own OpenCL device (found by name).
pub fn open_raw(s: &Suite, device: Device, coarse: bool) -> Result<RawOpenCl, String> {
    let name = s.hal.properties(device)?.name();
    cl_raw::open(&name, coarse)
}

/// The body of the coarse-grained child: the copy rows of 9.4 with the
/// plugin (FLAGHAL_OPENCL_COARSE_SVM=1, set by the parent) and the raw side
/// both on coarse-grained SVM.
pub fn coarse_child(smoke: bool) -> Result<Vec<crate::row::Row>, String> {
    let mut suite = crate::open_suite(smoke)?;
    let device = suite.opencl.ok_or("no FlagHAL OpenCL device in the child")?;
    let raw = open_raw(&suite, device, true)?;
    crate::bench_opencl_copy::run_device(&mut suite, "opencl coarse SVM", device, &raw)?;
    let _ = std::fs::remove_dir_all(&suite.scratch);
    Ok(suite.rows)
}
