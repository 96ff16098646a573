//! The exported functions of flaghal_ops.h. Each body runs in
//! [`boundary`] (house rule 1); C pointers are read through
//! flaghal_sys::ptr's checked helpers (house rule 2). Every operator has an
//! enqueueing entry point and a Supported twin, generated together by
//! `operator!` from one planning expression, so the two cannot disagree.

use crate::context::Context;
use crate::error::{boundary, boundary_keeping_message, last_message};
use crate::plan::elementwise::{self, Binary, Unary};
use crate::plan::rows::{self, RopeParams, SoftMaxParams};
use crate::plan::{gather, mul_mat, Caps, Launch};
use crate::tensor::Tensor;
use flaghal_sys::ptr::{in_ref, write_message, write_out};
use flaghal_sys::{fh_device_t, fh_status_t, fh_stream_t, FfiResult};
use std::ffi::c_char;

/// Creates a context; see flaghal_ops.h.
///
/// # Safety
/// `ctx` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn fhopsContextCreate(device: fh_device_t, ctx: *mut *mut Context) -> fh_status_t {
    boundary(|| {
        flaghal_sys::ptr::require_non_null(ctx, "ctx")?;
        let context = Box::into_raw(Box::new(Context::create(device)?));
        // SAFETY: ctx is non-NULL and writable per the contract.
        unsafe { write_out(ctx, context, "ctx") }
    })
}

/// Destroys a context; see flaghal_ops.h.
///
/// # Safety
/// `ctx` is NULL or a context from fhopsContextCreate not yet destroyed.
#[no_mangle]
pub unsafe extern "C" fn fhopsContextDestroy(ctx: *mut Context) -> fh_status_t {
    boundary(|| {
        if !ctx.is_null() {
            // SAFETY: ctx came from Box::into_raw in fhopsContextCreate and
            // is destroyed once (the caller's contract).
            drop(unsafe { Box::from_raw(ctx) });
        }
        Ok(())
    })
}

/// The context's device; see flaghal_ops.h.
///
/// # Safety
/// `ctx` is NULL or a live context; `device` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn fhopsContextGetDevice(ctx: *const Context, device: *mut fh_device_t) -> fh_status_t {
    boundary(|| {
        // SAFETY: NULL or a live context (the caller's contract).
        let context = unsafe { in_ref(ctx, "ctx") }?;
        // SAFETY: NULL-checked by write_out; writable per the contract.
        unsafe { write_out(device, context.device(), "device") }
    })
}

/// The thread's detail message; see flaghal_ops.h.
///
/// # Safety
/// `buffer` is NULL (with `buffer_size` 0) or writable for `buffer_size`
/// bytes; `length` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn fhopsGetLastErrorMessage(buffer: *mut c_char, buffer_size: usize, length: *mut usize) -> fh_status_t {
    let message = last_message();
    // SAFETY: buffer and length as the contract above promises.
    boundary_keeping_message(|| unsafe { write_message(&message, buffer, buffer_size, length) })
}

/// Plans with the context's capabilities, then enqueues on `stream` (or,
/// for a Supported query, only plans).
///
/// # Safety
/// `ctx` is NULL or a live context.
unsafe fn run(ctx: *const Context, stream: Option<fh_stream_t>, plan: impl FnOnce(&Caps) -> FfiResult<Launch>) -> FfiResult {
    // SAFETY: NULL or a live context (the caller's contract).
    let context = unsafe { in_ref(ctx, "ctx") }?;
    let launch = plan(context.caps())?;
    match stream {
        Some(stream) => context.launch(stream, &launch),
        None => Ok(()),
    }
}

/// A required tensor descriptor.
///
/// # Safety
/// `t` is NULL or points to a valid descriptor for the call.
unsafe fn tensor<'a>(t: *const Tensor, what: &str) -> FfiResult<&'a Tensor> {
    // SAFETY: forwarded contract.
    unsafe { in_ref(t, what) }
}

/// An optional tensor descriptor (NULL: absent).
///
/// # Safety
/// As [`tensor`].
unsafe fn optional<'a>(t: *const Tensor, what: &str) -> FfiResult<Option<&'a Tensor>> {
    // SAFETY: forwarded contract.
    if t.is_null() { Ok(None) } else { unsafe { in_ref(t, what) }.map(Some) }
}

/// `$enqueue(ctx, stream, args..., extra...)` and `$supported(ctx, args...)`:
/// the Supported twin plans with `extra` at their defaults (values the
/// checks accept: the header's Supported functions omit them).
macro_rules! operator {
    ($enqueue:ident, $supported:ident, [$($arg:ident: $ty:ty),*], [$($extra:ident: $ety:ty),*], |$caps:ident| $plan:expr) => {
        /// See flaghal_ops.h.
        ///
        /// # Safety
        /// `ctx` is NULL or a live context; each tensor or parameter pointer
        /// is NULL or valid for the call.
        #[no_mangle]
        pub unsafe extern "C" fn $enqueue(ctx: *const Context, stream: fh_stream_t, $($arg: $ty,)* $($extra: $ety),*) -> fh_status_t {
            // SAFETY: the pointers are NULL or valid (the caller's contract);
            // run and the plan read them through checked helpers.
            boundary(|| unsafe { run(ctx, Some(stream), |$caps| $plan) })
        }

        /// See flaghal_ops.h.
        ///
        /// # Safety
        /// As the enqueueing twin.
        #[no_mangle]
        pub unsafe extern "C" fn $supported(ctx: *const Context, $($arg: $ty),*) -> fh_status_t {
            $(let $extra: $ety = Default::default();)*
            // SAFETY: as in the enqueueing twin.
            boundary(|| unsafe { run(ctx, None, |$caps| $plan) })
        }
    };
}

type T = *const Tensor;

operator!(fhopsMulMat, fhopsMulMatSupported, [dst: T, src0: T, src1: T], [], |caps| mul_mat::plan(
    caps,
    tensor(dst, "dst")?,
    tensor(src0, "src0")?,
    tensor(src1, "src1")?
));
operator!(fhopsAdd, fhopsAddSupported, [dst: T, src0: T, src1: T], [], |caps| elementwise::binary(
    caps,
    Binary::Add,
    tensor(dst, "dst")?,
    tensor(src0, "src0")?,
    tensor(src1, "src1")?
));
operator!(fhopsMul, fhopsMulSupported, [dst: T, src0: T, src1: T], [], |caps| elementwise::binary(
    caps,
    Binary::Mul,
    tensor(dst, "dst")?,
    tensor(src0, "src0")?,
    tensor(src1, "src1")?
));
operator!(fhopsScale, fhopsScaleSupported, [dst: T, src: T], [scale: f32, bias: f32], |caps| elementwise::unary(
    caps,
    Unary::Scale { scale, bias },
    tensor(dst, "dst")?,
    tensor(src, "src")?
));
operator!(fhopsSilu, fhopsSiluSupported, [dst: T, src: T], [], |caps| elementwise::unary(
    caps,
    Unary::Silu,
    tensor(dst, "dst")?,
    tensor(src, "src")?
));
operator!(fhopsSwiglu, fhopsSwigluSupported, [dst: T, src0: T, src1: T], [swapped: i32], |caps| elementwise::swiglu(
    caps,
    tensor(dst, "dst")?,
    tensor(src0, "src0")?,
    optional(src1, "src1")?,
    swapped != 0
));
operator!(fhopsRmsNorm, fhopsRmsNormSupported, [dst: T, src: T], [eps: f32], |caps| rows::rms_norm(
    caps,
    tensor(dst, "dst")?,
    tensor(src, "src")?,
    eps
));
operator!(
    fhopsSoftMax,
    fhopsSoftMaxSupported,
    [dst: T, src: T, mask: T, params: *const SoftMaxParams],
    [],
    |caps| rows::soft_max(caps, tensor(dst, "dst")?, tensor(src, "src")?, optional(mask, "mask")?, in_ref(params, "params")?)
);
operator!(
    fhopsRope,
    fhopsRopeSupported,
    [dst: T, src: T, pos: T, params: *const RopeParams],
    [],
    |caps| rows::rope(caps, tensor(dst, "dst")?, tensor(src, "src")?, tensor(pos, "pos")?, in_ref(params, "params")?)
);
operator!(fhopsGetRows, fhopsGetRowsSupported, [dst: T, src: T, rows: T], [], |caps| gather::get_rows(
    caps,
    tensor(dst, "dst")?,
    tensor(src, "src")?,
    tensor(rows, "rows")?
));
operator!(fhopsSetRows, fhopsSetRowsSupported, [dst: T, src: T, rows: T], [], |caps| gather::set_rows(
    caps,
    tensor(dst, "dst")?,
    tensor(src, "src")?,
    tensor(rows, "rows")?
));
operator!(fhopsCpy, fhopsCpySupported, [dst: T, src: T], [], |caps| gather::cpy(caps, tensor(dst, "dst")?, tensor(src, "src")?));
