/*
 * fhops_soft_max.h: ggml_soft_max_ext's row kernel, shared by soft_max_f32
 * (F32 mask) and soft_max_f32_mask_f16 (F16 mask), which define
 *   FH_INLINE float fhops_sm_load_mask(uint64_t address)
 * before including this file, then write
 *   FH_KERNEL(NAME, fhops_soft_max_args) { FHOPS_SOFT_MAX_BODY }
 * Per row (i1, i2, i3): v = src * scale + mask(i0, i1, i2 % mne2, i3 %
 * mne3), dst = exp(v - max v) / sum exp(v - max v); a row with no finite
 * value gives 0s. Block (256, 1, 1), one block per row, grid-stride.
 */
#ifndef FHOPS_SOFT_MAX_H_
#define FHOPS_SOFT_MAX_H_

#include "fhops_view.h"
#include "fhops_rows.h"

FH_STRUCT(fhops_soft_max_args) {
    fhops_view dst;    /* 0 */
    fhops_view src;    /* 40 */
    fhops_view mask;   /* 80 */
    uint32_t has_mask; /* 120 */
    float scale;       /* 124 */
    uint32_t rows;     /* 128 */
};

FH_SHARED float fhops_partial[256];

FH_INLINE float fhops_sm_value(fhops_soft_max_args a, uint32_t i0, uint32_t i1, uint32_t i2, uint32_t i3) {
    float v = fhops_load_f32(fhops_at(a.src, i0, i1, i2, i3)) * a.scale;
    if (a.has_mask != 0u) v += fhops_sm_load_mask(fhops_at(a.mask, i0, i1, i2 % a.mask.ne2, i3 % a.mask.ne3));
    return v;
}

#define FHOPS_OP_MAX(a, b) max((a), (b))

#define FHOPS_SOFT_MAX_BODY                                                                                      \
    for (uint32_t row = blockIdx.x; row < args.rows; row += gridDim.x) {                                         \
        FHOPS_ROW_INDICES(args.src, row);                                                                        \
        float top = -3.402823466e38f;                                                                            \
        for (uint32_t i0 = threadIdx.x; i0 < args.src.ne0; i0 += FHOPS_ROW_THREADS)                              \
            top = max(top, fhops_sm_value(args, i0, i1, i2, i3));                                                \
        fhops_partial[threadIdx.x] = top;                                                                        \
        FHOPS_BLOCK_REDUCE(FHOPS_OP_MAX)                                                                         \
        top = fhops_partial[0];                                                                                  \
        fh_barrier();                                                                                            \
        float sum = 0.0f;                                                                                        \
        for (uint32_t i0 = threadIdx.x; i0 < args.src.ne0; i0 += FHOPS_ROW_THREADS)                              \
            sum += exp(fhops_sm_value(args, i0, i1, i2, i3) - top);                                              \
        fhops_partial[threadIdx.x] = sum;                                                                        \
        FHOPS_BLOCK_REDUCE(FHOPS_OP_ADD)                                                                         \
        sum = fhops_partial[0];                                                                                  \
        float inv = sum > 0.0f ? 1.0f / sum : 0.0f;                                                              \
        for (uint32_t i0 = threadIdx.x; i0 < args.src.ne0; i0 += FHOPS_ROW_THREADS)                              \
            fhops_store_f32(fhops_at(args.dst, i0, i1, i2, i3), exp(fhops_sm_value(args, i0, i1, i2, i3) - top) * inv); \
        fh_barrier();                                                                                            \
    }

#endif
