/* fhops_q8_0.h: ggml's block_q8_0 (34 bytes: a binary16 scale, then 32
 * int8 quants): element j of a row whose blocks start at `row` (needs
 * FH_DEVICE_CAP_FLOAT16 and FH_DEVICE_CAP_INT8). */
#ifndef FHOPS_Q8_0_H_
#define FHOPS_Q8_0_H_

#include "fhops_f16.h"

FH_INLINE float fhops_load_q8_0(uint64_t row, uint32_t j) {
    uint64_t block = row + uint64_t(j / 32u) * 34u;
    float d = fhops_load_f16(block);
    return d * float(fh_ptr(i8_cptr, block + 2u + uint64_t(j % 32u))[0].v);
}

#endif
