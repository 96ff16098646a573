/*
 * fhops_mul_mat_vec.h: ggml_mul_mat for a few src1 columns (decoding: one
 * token), shared by mul_mat_vec_f32, mul_mat_vec_f16 and mul_mat_vec_q8_0,
 * which define, before including this file,
 *   FH_INLINE float fhops_mv_dot(uint64_t a_row, uint64_t b_row, uint32_t k)
 * (the dot product of the src0 row at a_row, of its type, and the f32 src1
 * row at b_row, over k elements), then write
 *   FH_KERNEL(NAME, fhops_mul_mat_args) { FHOPS_MUL_MAT_VEC_BODY }
 * One thread per dst element (consecutive threads take consecutive src0
 * rows), each a whole dot product: no shared memory, no barrier, so it is
 * as fast on the CPU device's fibers as a plain loop, and on a GPU the
 * tiled kernel's 64-wide column tile would be 63/64 idle for one column.
 * The arguments are fhops_mul_mat.h's; grid-stride over ne0 * ne1 * ne2 *
 * ne3 of dst.
 */
#ifndef FHOPS_MUL_MAT_VEC_H_
#define FHOPS_MUL_MAT_VEC_H_

#include "fhops_view.h"
#include "fhops_mul_mat_args.h"

#define FHOPS_MUL_MAT_VEC_BODY                                                                                   \
    uint32_t total = args.dst.ne0 * args.dst.ne1 * args.dst.ne2 * args.dst.ne3;                                  \
    FHOPS_GRID_STRIDE(i, total) {                                                                                \
        uint32_t i0 = i % args.dst.ne0;                                                                          \
        uint32_t r = i / args.dst.ne0;                                                                           \
        uint32_t i1 = r % args.dst.ne1;                                                                          \
        uint32_t i2 = (r / args.dst.ne1) % args.dst.ne2;                                                         \
        uint32_t i3 = r / (args.dst.ne1 * args.dst.ne2);                                                         \
        uint64_t a_row = fhops_at(args.src0, 0u, i0, i2 / args.r2, i3 / args.r3);                                \
        uint64_t b_row = fhops_at(args.src1, 0u, i1, i2, i3);                                                    \
        fhops_store_f32(fhops_at(args.dst, i0, i1, i2, i3), fhops_mv_dot(a_row, b_row, args.src0.ne0));          \
    }

#endif
