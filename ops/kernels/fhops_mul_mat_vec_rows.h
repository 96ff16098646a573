/*
 * fhops_mul_mat_vec_rows.h: ggml_mul_mat for a few src1 columns on devices
 * whose threads run in SIMD lanes (subgroup_size > 1: GPUs, lavapipe), one
 * 256-thread block per dst element: the block's threads read consecutive
 * elements of the src0 row (adjacent lanes, adjacent addresses) and a tree
 * reduction in shared memory sums them. Shared by mul_mat_vec_rows_f32,
 * _f16 and _q8_0, which define fhops_mm_load_a (as for fhops_mul_mat.h)
 * before including this file, then write
 *   FH_KERNEL(NAME, fhops_mul_mat_args) { FHOPS_MUL_MAT_VEC_ROWS_BODY }
 * Block (256, 1, 1), grid-stride over the dst elements.
 */
#ifndef FHOPS_MUL_MAT_VEC_ROWS_H_
#define FHOPS_MUL_MAT_VEC_ROWS_H_

#include "fhops_view.h"
#include "fhops_mul_mat_args.h"
#include "fhops_rows.h"

FH_SHARED float fhops_partial[256];

#define FHOPS_MUL_MAT_VEC_ROWS_BODY                                                                              \
    uint32_t total = args.dst.ne0 * args.dst.ne1 * args.dst.ne2 * args.dst.ne3;                                  \
    for (uint32_t e = blockIdx.x; e < total; e += gridDim.x) {                                                   \
        uint32_t i0 = e % args.dst.ne0;                                                                          \
        uint32_t r = e / args.dst.ne0;                                                                           \
        uint32_t i1 = r % args.dst.ne1;                                                                          \
        uint32_t i2 = (r / args.dst.ne1) % args.dst.ne2;                                                         \
        uint32_t i3 = r / (args.dst.ne1 * args.dst.ne2);                                                         \
        uint64_t a_row = fhops_at(args.src0, 0u, i0, i2 / args.r2, i3 / args.r3);                                \
        uint64_t b_row = fhops_at(args.src1, 0u, i1, i2, i3);                                                    \
        float acc = 0.0f;                                                                                        \
        for (uint32_t k = threadIdx.x; k < args.src0.ne0; k += FHOPS_ROW_THREADS)                                \
            acc += fhops_mm_load_a(a_row, k) * fhops_load_f32(b_row + uint64_t(k) * 4u);                         \
        fhops_partial[threadIdx.x] = acc;                                                                        \
        FHOPS_BLOCK_REDUCE(FHOPS_OP_ADD)                                                                         \
        if (threadIdx.x == 0u) fhops_store_f32(fhops_at(args.dst, i0, i1, i2, i3), fhops_partial[0]);            \
        fh_barrier();                                                                                            \
    }

#endif
