/*
 * flaghal_ops.h: the FlagHAL operator library (libflaghal_ops.so), tensor
 * operators built from one-source kernels (the .fhk files of ops/kernels) that run on
 * every FlagHAL device: the CPU device, Vulkan devices, OpenCL devices and
 * any plugin that accepts one of the bundle's module formats.
 *
 * The interface is shaped after ggml (llama.cpp's tensor library) so that a
 * ggml backend maps a ggml_tensor onto an fhops_tensor_t field for field and
 * a ggml op onto one call: the element type values are ggml_type's, ne[] and
 * nb[] are ggml's element counts and byte strides, and every operator
 * computes exactly what the ggml operator of the same name computes on
 * ggml's CPU backend (within float rounding). Where ggml has options this
 * library does not implement, the operator's "supports" query says
 * FH_ERROR_NOT_SUPPORTED and names the option, so a backend's supports_op
 * can ask instead of guessing.
 *
 * Conventions for every function:
 * - Return FH_SUCCESS or an FH_ERROR_* status of flaghal.h. On failure
 *   nothing was enqueued, and fhopsGetLastErrorMessage gives the thread's
 *   detail message (which argument, which limit).
 * - Every operator has two entry points: fhopsX(ctx, stream, ...) enqueues
 *   the operator on stream (in stream order, asynchronously: it returns
 *   before the device runs it; the tensors' memory must stay allocated until
 *   the stream has run it), and fhopsXSupported(ctx, ...) runs the very same
 *   argument checks without enqueueing anything: FH_SUCCESS means fhopsX with
 *   these arguments is accepted, FH_ERROR_NOT_SUPPORTED means this library
 *   (or this device: a missing capability) cannot run that combination, and
 *   FH_ERROR_INVALID_VALUE means the arguments contradict each other (shapes
 *   that do not match). The Supported entry points read the descriptors
 *   only; tensor data addresses may be 0 there.
 * - Launch failures of the device surface where flaghal.h says: at the next
 *   call that waits on the stream.
 * - Thread safety: a context is immutable after creation. Any thread may use
 *   it concurrently; calls on one stream from several threads are ordered as
 *   the caller orders them, as for fhLaunchKernel.
 * - Tensors: one fhops_tensor_t describes a view into device memory
 *   allocated on the context's device (fhMemAlloc). Operators read and write
 *   only the elements the descriptors name. A destination that overlaps a
 *   source is allowed only where the operator says so ("in place").
 * - Sizes: every tensor has fewer than 2^31 elements per operator call and
 *   strides (nb) below 2^32 bytes; larger ones are FH_ERROR_NOT_SUPPORTED.
 *   Every count is at least 1 (FH_ERROR_INVALID_VALUE otherwise); element
 *   types other than those of fhops_type_t are FH_ERROR_NOT_SUPPORTED.
 *
 * Build and link: pkg-config --cflags --libs flaghal-ops, or CMake
 * find_package(FlagHAL) and target FlagHAL::ops (docs/ops.md).
 */
#ifndef FLAGHAL_OPS_H
#define FLAGHAL_OPS_H

#include <stddef.h>
#include <stdint.h>

#include <flaghal/flaghal.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define FHOPS_API __declspec(dllimport)
#else
#define FHOPS_API __attribute__((visibility("default")))
#endif

/** The version of this interface (FH_MAKE_VERSION packing). */
#define FHOPS_VERSION FH_MAKE_VERSION(0, 1, 0)

/* ---------------------------------------------------------------------------
 * Tensors
 * ------------------------------------------------------------------------- */

/**
 * Element types. The values are ggml's (enum ggml_type), so a backend casts.
 *
 * FHOPS_TYPE_Q8_0 is ggml's block_q8_0: blocks of 32 elements, each block 34
 * bytes, an IEEE binary16 scale d (bytes 0..1, little-endian) followed by 32
 * int8 quants qs[32]; element j of the block is d * qs[j]. A Q8_0 tensor's
 * ne[0] is a multiple of 32 and nb[0] is 34 (one block), as in ggml.
 */
typedef enum fhops_type {
    FHOPS_TYPE_F32 = 0,
    FHOPS_TYPE_F16 = 1,
    FHOPS_TYPE_Q8_0 = 8,
    FHOPS_TYPE_I32 = 26,
    FHOPS_TYPE_I64 = 27,
    FHOPS_TYPE_FORCE_32BIT = 0x7fffffff
} fhops_type_t;

/** Elements per Q8_0 block, and bytes per block. */
#define FHOPS_Q8_0_BLOCK_ELEMENTS 32
#define FHOPS_Q8_0_BLOCK_BYTES 34

/**
 * A tensor view, as a ggml_tensor describes one: up to four dimensions,
 * dimension 0 the fastest.
 *
 * data: the device address of element (0, 0, 0, 0) (ggml: the buffer's base
 *       address plus the tensor's offset, view offsets included).
 * ne:   element counts per dimension, each >= 1 (unused dimensions are 1).
 * nb:   byte strides per dimension: element (i0, i1, i2, i3) is at
 *       data + i0*nb[0] + i1*nb[1] + i2*nb[2] + i3*nb[3]; for Q8_0, nb[0]
 *       is the block's stride (34) and element i0 lies in block i0 / 32.
 *       Strides may describe any ggml view (permuted, transposed, a slice);
 *       an operator that needs a dimension contiguous says so.
 */
typedef struct fhops_tensor {
    fh_deviceptr_t data;
    fhops_type_t type;
    int64_t ne[4];
    size_t nb[4];
} fhops_tensor_t;

/* ---------------------------------------------------------------------------
 * Context
 * ------------------------------------------------------------------------- */

/** The operators of one FlagHAL device: its loaded kernel modules. */
typedef struct fhops_context_s *fhops_context_t;

/**
 * Creates the operator context of device: loads the operator bundles (built
 * into the library) on it with fhModuleLoadData(FH_MODULE_FORMAT_BUNDLE), the
 * optional ones (binary16 and Q8_0 kernels) only when the device reports
 * FH_DEVICE_CAP_FLOAT16 (and FH_DEVICE_CAP_INT8 for Q8_0).
 *
 * The library calls the libflaghal.so.1 already loaded in the process (the
 * one device came from); fhInit must have succeeded.
 * Errors: FH_ERROR_INVALID_VALUE (ctx NULL), FH_ERROR_INVALID_DEVICE,
 * FH_ERROR_NOT_INITIALIZED, FH_ERROR_NOT_SUPPORTED (the device loads none of
 * the bundle's formats), any error of fhModuleLoadData.
 * *ctx is written on success only.
 */
FHOPS_API fh_status_t fhopsContextCreate(fh_device_t device, fhops_context_t *ctx);

/** Unloads the context's modules and frees it. Work already enqueued must
 *  have completed (synchronize its streams first). NULL is a no-op. */
FHOPS_API fh_status_t fhopsContextDestroy(fhops_context_t ctx);

/** The device the context was created for. */
FHOPS_API fh_status_t fhopsContextGetDevice(fhops_context_t ctx, fh_device_t *device);

/**
 * Copies the calling thread's detail message of its last failed fhops call
 * (UTF-8) into buffer, as fhGetLastErrorMessage does: at most buffer_size
 * bytes including the NUL, cut on a character boundary; *length (optional)
 * gets the full length without the NUL. An empty string when the thread's
 * last fhops call succeeded; this function itself leaves the message as it
 * is. buffer may be NULL only when buffer_size is 0 (else
 * FH_ERROR_INVALID_VALUE).
 */
FHOPS_API fh_status_t fhopsGetLastErrorMessage(char *buffer, size_t buffer_size, size_t *length);

/* ---------------------------------------------------------------------------
 * Matrix multiplication
 * ------------------------------------------------------------------------- */

/**
 * ggml_mul_mat: dst = src1 x src0^T per 2D slice, dst(i0, i1, i2, i3) =
 * sum over k of src0(k, i0, i02, i03) * src1(k, i1, i2, i3), where
 * i02 = i2 / (ne12 / ne02) and i03 = i3 / (ne13 / ne03) (src0 broadcasts
 * over dimensions 2 and 3, as ggml's grouped-query attention uses it).
 *
 * Supported:
 * - src0 F32, F16 (needs FH_DEVICE_CAP_FLOAT16) or Q8_0 (FLOAT16 and INT8;
 *   ne00 a multiple of 32); src1 F32; dst F32.
 * - Shapes: ne00 == ne10 (the reduced dimension K); dst ne = {ne01, ne11,
 *   ne12, ne13}; ne12 % ne02 == 0 and ne13 % ne03 == 0.
 * - Layout: dimension 0 contiguous in src0, src1 and dst (nb[0] = the
 *   element size, 34 for Q8_0 blocks); the other strides are free (a
 *   permuted src1, as llama's attention passes, is fine).
 * Accumulates in f32. dst must not overlap the sources.
 */
FHOPS_API fh_status_t fhopsMulMat(fhops_context_t ctx, fh_stream_t stream, const fhops_tensor_t *dst,
                                  const fhops_tensor_t *src0, const fhops_tensor_t *src1);
FHOPS_API fh_status_t fhopsMulMatSupported(fhops_context_t ctx, const fhops_tensor_t *dst,
                                           const fhops_tensor_t *src0, const fhops_tensor_t *src1);

/* ---------------------------------------------------------------------------
 * Element-wise operators
 * ------------------------------------------------------------------------- */

/**
 * ggml_add / ggml_mul: dst(i) = src0(i) + src1(j) (or *), where src1
 * broadcasts: j_d = i_d % ne1[d] for each dimension d (ggml_can_repeat:
 * each ne0[d] is a multiple of ne1[d]). dst has src0's shape.
 * Supported: F32 dst, src0 and src1; any strides. In place (dst == src0,
 * same descriptor) is allowed.
 */
FHOPS_API fh_status_t fhopsAdd(fhops_context_t ctx, fh_stream_t stream, const fhops_tensor_t *dst,
                               const fhops_tensor_t *src0, const fhops_tensor_t *src1);
FHOPS_API fh_status_t fhopsAddSupported(fhops_context_t ctx, const fhops_tensor_t *dst,
                                        const fhops_tensor_t *src0, const fhops_tensor_t *src1);
FHOPS_API fh_status_t fhopsMul(fhops_context_t ctx, fh_stream_t stream, const fhops_tensor_t *dst,
                               const fhops_tensor_t *src0, const fhops_tensor_t *src1);
FHOPS_API fh_status_t fhopsMulSupported(fhops_context_t ctx, const fhops_tensor_t *dst,
                                        const fhops_tensor_t *src0, const fhops_tensor_t *src1);

/**
 * ggml_scale (and ggml_scale_bias): dst(i) = src(i) * scale + bias.
 * Supported: F32, same shape, any strides, in place allowed.
 */
FHOPS_API fh_status_t fhopsScale(fhops_context_t ctx, fh_stream_t stream, const fhops_tensor_t *dst,
                                 const fhops_tensor_t *src, float scale, float bias);
FHOPS_API fh_status_t fhopsScaleSupported(fhops_context_t ctx, const fhops_tensor_t *dst,
                                          const fhops_tensor_t *src);

/**
 * ggml_silu: dst(i) = x / (1 + exp(-x)), x = src(i).
 * Supported: F32, same shape, any strides, in place allowed.
 */
FHOPS_API fh_status_t fhopsSilu(fhops_context_t ctx, fh_stream_t stream, const fhops_tensor_t *dst,
                                const fhops_tensor_t *src);
FHOPS_API fh_status_t fhopsSiluSupported(fhops_context_t ctx, const fhops_tensor_t *dst,
                                         const fhops_tensor_t *src);

/**
 * ggml_swiglu (GGML_OP_GLU, GGML_GLU_OP_SWIGLU): dst = silu(a) * b.
 * - Split form (ggml_swiglu_split; src1 not NULL): a = src0, b = src1, both
 *   of dst's shape.
 * - Fused form (src1 NULL): src0 has 2 * ne0 elements in dimension 0; a is
 *   its first half and b its second, or the reverse when swapped is not 0
 *   (ggml's op_params[1]).
 * Supported: F32, any strides; dst must not overlap the sources.
 */
FHOPS_API fh_status_t fhopsSwiglu(fhops_context_t ctx, fh_stream_t stream, const fhops_tensor_t *dst,
                                  const fhops_tensor_t *src0, const fhops_tensor_t *src1, int32_t swapped);
FHOPS_API fh_status_t fhopsSwigluSupported(fhops_context_t ctx, const fhops_tensor_t *dst,
                                           const fhops_tensor_t *src0, const fhops_tensor_t *src1);

/* ---------------------------------------------------------------------------
 * Row operators (a row is dimension 0)
 * ------------------------------------------------------------------------- */

/**
 * ggml_rms_norm: per row, dst = x / sqrt(mean(x^2) + eps).
 * Supported: F32, same shape, any strides, in place allowed. eps >= 0.
 */
FHOPS_API fh_status_t fhopsRmsNorm(fhops_context_t ctx, fh_stream_t stream, const fhops_tensor_t *dst,
                                   const fhops_tensor_t *src, float eps);
FHOPS_API fh_status_t fhopsRmsNormSupported(fhops_context_t ctx, const fhops_tensor_t *dst,
                                            const fhops_tensor_t *src);

/** Parameters of ggml_soft_max_ext (ggml's op_params: scale, max_bias). */
typedef struct fhops_soft_max_params {
    float scale;
    /** ALiBi's maximum bias; only 0 (no ALiBi) is supported. */
    float max_bias;
} fhops_soft_max_params_t;

/**
 * ggml_soft_max_ext: per row r = (i1, i2, i3) of src,
 * v(i0) = src(i0, r) * scale + mask(i0, i1, i2 % ne_m2, i3 % ne_m3), and
 * dst(i0, r) = exp(v(i0) - max v) / sum exp(v - max v). mask is optional
 * (NULL: no mask term); mask rows are indexed by i1 (mask ne[1] >= src
 * ne[1]; ggml pads it), and it broadcasts over dimensions 2 and 3. A row
 * whose values are all -INFINITY gives 0s where ggml's CPU gives NaN; the
 * causal masks llama builds never do that.
 * Supported: src and dst F32 of one shape, mask F32 or F16 (F16 needs
 * FH_DEVICE_CAP_FLOAT16) with mask ne[0] == src ne[0]; any strides;
 * params->max_bias == 0. In place allowed.
 */
FHOPS_API fh_status_t fhopsSoftMax(fhops_context_t ctx, fh_stream_t stream, const fhops_tensor_t *dst,
                                   const fhops_tensor_t *src, const fhops_tensor_t *mask,
                                   const fhops_soft_max_params_t *params);
FHOPS_API fh_status_t fhopsSoftMaxSupported(fhops_context_t ctx, const fhops_tensor_t *dst,
                                            const fhops_tensor_t *src, const fhops_tensor_t *mask,
                                            const fhops_soft_max_params_t *params);

/** ggml's rope modes (op_params[2]). */
#define FHOPS_ROPE_MODE_NORMAL 0
#define FHOPS_ROPE_MODE_NEOX 2

/** Parameters of ggml_rope_ext, in the order of ggml's op_params. */
typedef struct fhops_rope_params {
    int32_t n_dims;      /**< dimensions rotated (even, <= ne0); the rest are copied */
    int32_t mode;        /**< FHOPS_ROPE_MODE_NORMAL (llama) or FHOPS_ROPE_MODE_NEOX */
    int32_t n_ctx_orig;  /**< used by YaRN only */
    float freq_base;
    float freq_scale;
    float ext_factor;    /**< YaRN; only 0 is supported */
    float attn_factor;
    float beta_fast;     /**< YaRN */
    float beta_slow;     /**< YaRN */
} fhops_rope_params_t;

/**
 * ggml_rope_ext without frequency factors: src has shape {head_dim, n_head,
 * n_tokens, 1}; pos is I32 with ne[0] == n_tokens. For token t = i2, pair
 * k < n_dims / 2, theta = freq_scale * pos[t] * freq_base^(-2k / n_dims),
 * and the pair (x0, x1) becomes (x0 cos - x1 sin, x0 sin + x1 cos) times
 * attn_factor, where the pair is elements (2k, 2k + 1) in NORMAL mode and
 * (k, k + n_dims / 2) in NEOX mode. Elements from n_dims on are copied.
 * Supported: src and dst F32 of one shape, any strides, ne[3] == 1; pos I32
 * contiguous; ext_factor == 0 (no YaRN). dst must not overlap src unless
 * equal (in place).
 */
FHOPS_API fh_status_t fhopsRope(fhops_context_t ctx, fh_stream_t stream, const fhops_tensor_t *dst,
                                const fhops_tensor_t *src, const fhops_tensor_t *pos,
                                const fhops_rope_params_t *params);
FHOPS_API fh_status_t fhopsRopeSupported(fhops_context_t ctx, const fhops_tensor_t *dst,
                                         const fhops_tensor_t *src, const fhops_tensor_t *pos,
                                         const fhops_rope_params_t *params);

/* ---------------------------------------------------------------------------
 * Gathers, scatters and copies
 * ------------------------------------------------------------------------- */

/**
 * ggml_get_rows: dst(i0, i10, i11, i12) = src(i0, rows(i10, i11, i12), i11,
 * i12) (dequantized): src has shape {ne00, ne01, ne02, ne03}, rows is I32
 * {n, ne02, ne03} (ne[1] == src ne[2], ne[2] == src ne[3]), dst is F32 {ne00,
 * n, ne02, ne03}. A row index outside [0, ne01) is undefined behaviour, as
 * in ggml (the kernel clamps it so it never reads outside src).
 * Supported: src F32, F16 (FLOAT16) or Q8_0 (FLOAT16 and INT8) with
 * dimension 0 contiguous; rows I32 (any strides); dst F32 (any strides).
 */
FHOPS_API fh_status_t fhopsGetRows(fhops_context_t ctx, fh_stream_t stream, const fhops_tensor_t *dst,
                                   const fhops_tensor_t *src, const fhops_tensor_t *rows);
FHOPS_API fh_status_t fhopsGetRowsSupported(fhops_context_t ctx, const fhops_tensor_t *dst,
                                            const fhops_tensor_t *src, const fhops_tensor_t *rows);

/**
 * ggml_set_rows (how llama.cpp writes its KV cache): dst(i0, rows(i01, i02 %
 * ne_r1, i03 % ne_r2), i02, i03) = src(i0, i01, i02, i03) converted to dst's
 * type: src is F32 {ne0, n, ne02, ne03}, rows I64 or I32 {n, ne_r1, ne_r2}
 * broadcasting over src's dimensions 2 and 3, dst {ne0, ne_dst1, ne02,
 * ne03}. A row index outside [0, ne_dst1) is skipped.
 * Supported: dst F32 or F16 (FLOAT16), any strides; src F32 any strides.
 */
FHOPS_API fh_status_t fhopsSetRows(fhops_context_t ctx, fh_stream_t stream, const fhops_tensor_t *dst,
                                   const fhops_tensor_t *src, const fhops_tensor_t *rows);
FHOPS_API fh_status_t fhopsSetRowsSupported(fhops_context_t ctx, const fhops_tensor_t *dst,
                                            const fhops_tensor_t *src, const fhops_tensor_t *rows);

/**
 * ggml_cpy / ggml_cont / ggml_dup: copies src's elements, in row-major
 * logical order (dimension 0 fastest), to dst's elements in the same order,
 * converting the type. src and dst may have different shapes of the same
 * element count (ggml_cpy into a 1D view) and any strides, so ggml_cont is
 * a copy into a contiguous dst.
 * Supported: F32 -> F32, F32 -> F16, F16 -> F32, F16 -> F16 (F16 needs
 * FLOAT16); dst must not overlap src.
 */
FHOPS_API fh_status_t fhopsCpy(fhops_context_t ctx, fh_stream_t stream, const fhops_tensor_t *dst,
                               const fhops_tensor_t *src);
FHOPS_API fh_status_t fhopsCpySupported(fhops_context_t ctx, const fhops_tensor_t *dst,
                                        const fhops_tensor_t *src);

/*
 * Not operators (nothing to launch): ggml's VIEW, RESHAPE, PERMUTE,
 * TRANSPOSE and NONE only change descriptors; a backend handles them
 * without a call.
 */

#ifdef __cplusplus
}
#endif

#endif /* FLAGHAL_OPS_H */
