/* fhops_mul_mat_args.h: the parameters of every mul_mat kernel (tiled,
 * fhops_mul_mat.h, and one thread per element, fhops_mul_mat_vec.h):
 * dst(i0, i1, i2, i3) = sum_k src0(k, i0, i2 / r2, i3 / r3) * src1(k, i1,
 * i2, i3). */
#ifndef FHOPS_MUL_MAT_ARGS_H_
#define FHOPS_MUL_MAT_ARGS_H_

#include "fhops_view.h"

FH_STRUCT(fhops_mul_mat_args) {
    fhops_view dst;  /* 0 */
    fhops_view src0; /* 40 */
    fhops_view src1; /* 80 */
    uint32_t r2;     /* 120: ne12 / ne02 */
    uint32_t r3;     /* 124: ne13 / ne03 */
};

#endif
