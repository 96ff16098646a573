//! Section 9.4: synchronous copies on the OpenCL device, the five cases and
//! sizes of section 4, against raw OpenCL on the same device: a blocking
//! clEnqueueSVMMemcpy between the same kinds of memory (SVM of the plugin's
//! grain, pageable host memory, pinned host memory made the way the
//! plugin's fhMemAllocHost makes it). The plugin copies fine-grained SVM
//! with the host (it is host memory) and coarse-grained SVM with a blocking
//! clEnqueueSVMMemcpy; the coarse rows come from a child process
//! (FLAGHAL_OPENCL_COARSE_SVM=1 is read once, at plugin start).

use crate::bench_copy::{pattern, repeats, size_label, sizes, Buffers, CASES};
use crate::bench_opencl::COPY;
use crate::cl_raw::{Pinned, RawOpenCl, Svm};
use crate::measure::{gb_per_s, pair, seconds, Plan};
use crate::row::Better;
use crate::suite::{Label, Suite};
use flaghal_client::Device;
use serde_json::json;

/// The raw side of one size: two SVM allocations and the two kinds of host memory.
struct RawBuffers<'a> {
    raw: &'a RawOpenCl,
    a: Svm<'a>,
    b: Svm<'a>,
    pageable: Vec<u8>,
    pinned: Pinned<'a>,
    size: usize,
}

impl<'a> RawBuffers<'a> {
    fn new(raw: &'a RawOpenCl, size: usize) -> Result<RawBuffers<'a>, String> {
        Ok(RawBuffers { raw, a: Svm::new(raw, size)?, b: Svm::new(raw, size)?, pageable: vec![7u8; size], pinned: Pinned::new(raw, size)?, size })
    }

    /// `n` blocking clEnqueueSVMMemcpy calls of one case.
    fn copies(&mut self, (direction, memory): (&str, &str), n: usize) -> Result<(), String> {
        let (a, b) = (self.a.ptr, self.b.ptr);
        let (dst, src) = match (direction, memory) {
            ("H->D", "pageable") => (a, self.pageable.as_ptr().cast()),
            ("H->D", _) => (a, self.pinned.ptr().cast_const()),
            ("D->H", "pageable") => (self.pageable.as_mut_ptr().cast(), a.cast_const()),
            ("D->H", _) => (self.pinned.ptr(), a.cast_const()),
            _ => (b, a.cast_const()),
        };
        (0..n).try_for_each(|_| self.raw.copy(dst, src, self.size))
    }

    /// The round trip of `Buffers::check_and_free`, the raw way.
    fn check(&self) -> Result<(), String> {
        let pattern = pattern(self.size);
        let mut back = vec![0u8; self.size];
        self.raw.copy(self.a.ptr, pattern.as_ptr().cast(), self.size)?;
        self.raw.copy(self.b.ptr, self.a.ptr, self.size)?;
        self.raw.copy(back.as_mut_ptr().cast(), self.b.ptr, self.size)?;
        if back != pattern {
            return Err(format!("raw OpenCL: {}-byte copy round trip returned different bytes", self.size));
        }
        Ok(())
    }
}

/// Every copy row for the OpenCL device; `plugin` labels the rows.
pub fn run_device(s: &mut Suite, plugin: &str, device: Device, raw: &RawOpenCl) -> Result<(), String> {
    let hal = s.hal;
    let plan = s.plan(Plan { warmup: 1, reps: 9 }, Plan { warmup: 1, reps: 3 });
    let grain = if raw.fine_svm { "fine-grained" } else { "coarse-grained" };
    for size in sizes(s.smoke) {
        let n = repeats(size);
        let bytes = (n * size) as f64;
        let mut buffers = Buffers::new(hal, device, size)?;
        let mut raw_buffers = RawBuffers::new(raw, size)?;
        for case in CASES {
            let (direction, memory) = case;
            let result = pair(
                plan,
                || gb_per_s(bytes, seconds(|| buffers.copies(case, n))?),
                || gb_per_s(bytes, seconds(|| raw_buffers.copies(case, n))?),
            );
            s.add(
                Label {
                    group: COPY,
                    name: format!("{plugin} {direction} {memory} {}", size_label(size)),
                    baseline: "raw OpenCL: blocking clEnqueueSVMMemcpy, same memory kinds",
                    unit: "GB/s",
                    better: Better::Higher,
                },
                result?,
                json!({"plugin": plugin, "direction": direction, "memory": memory, "bytes": size, "copies_per_sample": n, "svm": grain}),
                None,
            );
        }
        buffers.check_and_free(plugin)?;
        raw_buffers.check()?;
    }
    Ok(())
}
