/*
 * fhops_get_rows.h: ggml_get_rows's kernel, shared by get_rows_f32,
 * get_rows_f16 and get_rows_q8_0, which define
 *   FH_INLINE float fhops_gr_load(uint64_t row, uint32_t i0)
 * (element i0 of the src row starting at row, as f32) before including
 * this file, then write
 *   FH_KERNEL(NAME, fhops_get_rows_args) { FHOPS_GET_ROWS_BODY }
 * One thread per dst element, grid-stride: dst(i0, i1, i2, i3) = src(i0,
 * rows(i1, i2, i3), i2, i3), the row index clamped into [0, src.ne1).
 */
#ifndef FHOPS_GET_ROWS_H_
#define FHOPS_GET_ROWS_H_

#include "fhops_view.h"

FH_STRUCT(fhops_get_rows_args) {
    fhops_view dst;  /* 0 */
    fhops_view src;  /* 40 */
    fhops_view rows; /* 80: I32 */
    uint32_t n;      /* 120: elements of dst */
};

#define FHOPS_GET_ROWS_BODY                                                                                      \
    FHOPS_GRID_STRIDE(i, args.n) {                                                                               \
        uint32_t i0 = i % args.dst.ne0;                                                                          \
        uint32_t r = i / args.dst.ne0;                                                                           \
        uint32_t i1 = r % args.dst.ne1;                                                                          \
        uint32_t i2 = (r / args.dst.ne1) % args.dst.ne2;                                                         \
        uint32_t i3 = r / (args.dst.ne1 * args.dst.ne2);                                                         \
        int32_t index = fh_ptr(i32_cptr, fhops_at(args.rows, i1, i2, i3, 0u))[0].v;                              \
        uint32_t row = uint32_t(clamp(index, 0, int32_t(args.src.ne1) - 1));                                     \
        float v = fhops_gr_load(fhops_at(args.src, 0u, row, i2, i3), i0);                                        \
        fhops_store_f32(fhops_at(args.dst, i0, i1, i2, i3), v);                                                  \
    }

#endif
