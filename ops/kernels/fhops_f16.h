/* fhops_f16.h: binary16 element loads and stores (kernels that include it
 * need FH_DEVICE_CAP_FLOAT16; they live in the f16 and q8_0 bundles). */
#ifndef FHOPS_F16_H_
#define FHOPS_F16_H_

FH_INLINE float fhops_load_f16(uint64_t address) {
    return float(fh_ptr(f16_cptr, address)[0].v);
}

FH_INLINE void fhops_store_f16(uint64_t address, float value) {
    fh_ptr(f16_ptr, address)[0].v = float16_t(value);
}

#endif
