//! Owned OpenCL objects: one reference each, released on drop. OpenCL
//! objects are reference counted and thread-safe (OpenCL 2.x, appendix A
//! "Shared OpenCL Objects"), so the wrappers are `Send` and `Sync`; the one
//! exception, setting a kernel's arguments, is for the user to serialise (the
//! plugin's `module.rs` holds a lock per kernel).
//!
//! Ownership: a wrapper owns exactly one reference, taken from the call that
//! created the object (or from clRetainEvent in [`ClEvent::clone`]).

use crate as cl;
use crate::{cl_command_queue, cl_context, cl_event, cl_kernel, cl_mem, cl_program, Cl};

macro_rules! owned {
    ($name:ident, $raw:ty, $release:ident) => {
        pub struct $name {
            pub cl: &'static Cl,
            pub raw: $raw,
        }

        impl $name {
            /// Takes ownership of one reference to `raw` (non-NULL).
            pub fn own(cl: &'static Cl, raw: $raw) -> $name {
                debug_assert!(!raw.is_null());
                $name { cl, raw }
            }
        }

        impl Drop for $name {
            fn drop(&mut self) {
                // SAFETY: the wrapper owns one reference to a live object.
                unsafe { (self.cl.$release)(self.raw) };
            }
        }

        // SAFETY: OpenCL objects may be used and released from any thread.
        unsafe impl Send for $name {}
        // SAFETY: as above; the calls made through `&self` are thread-safe.
        unsafe impl Sync for $name {}
    };
}

owned!(ClContext, cl_context, clReleaseContext);
owned!(ClQueue, cl_command_queue, clReleaseCommandQueue);
owned!(ClEvent, cl_event, clReleaseEvent);
owned!(ClMem, cl_mem, clReleaseMemObject);
owned!(ClProgram, cl_program, clReleaseProgram);
owned!(ClKernel, cl_kernel, clReleaseKernel);

impl Clone for ClEvent {
    fn clone(&self) -> ClEvent {
        // SAFETY: a live event; the new wrapper owns the extra reference.
        unsafe { (self.cl.clRetainEvent)(self.raw) };
        ClEvent { cl: self.cl, raw: self.raw }
    }
}

impl ClEvent {
    /// CL_EVENT_COMMAND_EXECUTION_STATUS: CL_COMPLETE (0), a positive
    /// pending state, or a negative error of the command.
    pub fn status(&self) -> Result<cl::cl_int, cl::cl_int> {
        cl::scalar(self.cl.event_info(self.raw, cl::CL_EVENT_COMMAND_EXECUTION_STATUS)).map(|v| v as u32 as cl::cl_int)
    }

    /// Blocks until the event's command has completed (or failed):
    /// clWaitForEvents' status.
    pub fn wait(&self) -> cl::cl_int {
        // SAFETY: one live event.
        unsafe { (self.cl.clWaitForEvents)(1, &self.raw) }
    }

    /// The CL_PROFILING_COMMAND_END timestamp in nanoseconds.
    pub fn end_ns(&self) -> Result<u64, cl::cl_int> {
        cl::scalar(self.cl.event_profiling_info(self.raw, cl::CL_PROFILING_COMMAND_END))
    }
}

/// Waits for every event in `events` (none: returns at once); clWaitForEvents' status.
pub fn wait_all(cl: &'static Cl, events: &[ClEvent]) -> cl::cl_int {
    if events.is_empty() {
        return cl::CL_SUCCESS;
    }
    let raw: Vec<cl_event> = events.iter().map(|e| e.raw).collect();
    // SAFETY: `raw` holds live events (kept alive by `events`) of one context.
    unsafe { (cl.clWaitForEvents)(raw.len() as cl::cl_uint, raw.as_ptr()) }
}
