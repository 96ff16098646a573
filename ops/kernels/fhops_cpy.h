/*
 * fhops_cpy.h: ggml_cpy's kernel (element i of src, in row-major logical
 * order, to element i of dst, converting), shared by cpy_f32_f32,
 * cpy_f32_f16, cpy_f16_f32 and cpy_f16_f16, which define
 *   FH_INLINE void fhops_cpy_one(uint64_t dst, uint64_t src)
 * before including this file, then write
 *   FH_KERNEL(NAME, fhops_cpy_args) { FHOPS_CPY_BODY }
 * One thread per element, grid-stride.
 */
#ifndef FHOPS_CPY_H_
#define FHOPS_CPY_H_

#include "fhops_view.h"

FH_STRUCT(fhops_cpy_args) {
    fhops_view dst; /* 0 */
    fhops_view src; /* 40 */
    uint32_t n;     /* 80 */
};

#define FHOPS_CPY_BODY                                                                                           \
    FHOPS_GRID_STRIDE(i, args.n) {                                                                               \
        fhops_cpy_one(fhops_at_linear(args.dst, i), fhops_at_linear(args.src, i));                               \
    }

#endif
