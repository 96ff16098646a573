/*
 * fhops_set_rows.h: ggml_set_rows's kernel, shared by set_rows_f32 and
 * set_rows_f16, which define
 *   FH_INLINE void fhops_sr_store(uint64_t address, float value)
 * before including this file, then write
 *   FH_KERNEL(NAME, fhops_set_rows_args) { FHOPS_SET_ROWS_BODY }
 * One thread per src element, grid-stride: dst(i0, rows(i1, i2 % rne1, i3 %
 * rne2), i2, i3) = src(i0, i1, i2, i3); rows is I64 (index64 != 0) or I32;
 * a row index outside [0, dst.ne1) is skipped.
 */
#ifndef FHOPS_SET_ROWS_H_
#define FHOPS_SET_ROWS_H_

#include "fhops_view.h"

FH_STRUCT(fhops_set_rows_args) {
    fhops_view dst;   /* 0 */
    fhops_view src;   /* 40 */
    fhops_view rows;  /* 80 */
    uint32_t index64; /* 120 */
    uint32_t n;       /* 124: elements of src */
};

#define FHOPS_SET_ROWS_BODY                                                                                      \
    FHOPS_GRID_STRIDE(i, args.n) {                                                                               \
        uint32_t i0 = i % args.src.ne0;                                                                          \
        uint32_t r = i / args.src.ne0;                                                                           \
        uint32_t i1 = r % args.src.ne1;                                                                          \
        uint32_t i2 = (r / args.src.ne1) % args.src.ne2;                                                         \
        uint32_t i3 = r / (args.src.ne1 * args.src.ne2);                                                         \
        uint64_t at = fhops_at(args.rows, i1, i2 % args.rows.ne1, i3 % args.rows.ne2, 0u);                      \
        int64_t index = args.index64 != 0u ? fh_ptr(i64_cptr, at)[0].v : int64_t(fh_ptr(i32_cptr, at)[0].v);     \
        if (index >= int64_t(0) && index < int64_t(args.dst.ne1)) {                                              \
            float v = fhops_load_f32(fhops_at(args.src, i0, i1, i2, i3));                                        \
            fhops_sr_store(fhops_at(args.dst, i0, uint32_t(index), i2, i3), v);                                  \
        }                                                                                                        \
    }

#endif
