/*
 * fhops_view.h: the tensor view every operator kernel takes (a ggml tensor:
 * flaghal_ops.h's fhops_tensor_t with 32-bit counts and strides, which the
 * library checks before it launches), and the index helpers. Shared by the
 * kernels of ops/kernels; include after flaghal_kernel.h.
 *
 * Element (i0, i1, i2, i3) of a view is at data + i0*nb0 + i1*nb1 + i2*nb2 +
 * i3*nb3 (bytes, computed in 64 bits).
 */
#ifndef FHOPS_VIEW_H_
#define FHOPS_VIEW_H_

FH_STRUCT(fhops_view) {
    uint64_t data; /* 0 */
    uint32_t ne0;  /* 8 */
    uint32_t ne1;
    uint32_t ne2;
    uint32_t ne3;
    uint32_t nb0;  /* 24 */
    uint32_t nb1;
    uint32_t nb2;
    uint32_t nb3;  /* 36; sizeof 40 */
};

/* The byte address of element (i0, i1, i2, i3). */
FH_INLINE uint64_t fhops_at(fhops_view t, uint32_t i0, uint32_t i1, uint32_t i2, uint32_t i3) {
    return t.data + uint64_t(i0) * uint64_t(t.nb0) + uint64_t(i1) * uint64_t(t.nb1) + uint64_t(i2) * uint64_t(t.nb2) +
           uint64_t(i3) * uint64_t(t.nb3);
}

/* The byte address of the element with row-major logical index i
 * (dimension 0 fastest) in view t. */
FH_INLINE uint64_t fhops_at_linear(fhops_view t, uint32_t i) {
    uint32_t i0 = i % t.ne0;
    uint32_t r = i / t.ne0;
    uint32_t i1 = r % t.ne1;
    r = r / t.ne1;
    uint32_t i2 = r % t.ne2;
    uint32_t i3 = r / t.ne2;
    return fhops_at(t, i0, i1, i2, i3);
}

/* Element loads and stores by byte address. */
FH_INLINE float fhops_load_f32(uint64_t address) {
    return fh_ptr(f32_cptr, address)[0].v;
}

FH_INLINE void fhops_store_f32(uint64_t address, float value) {
    fh_ptr(f32_ptr, address)[0].v = value;
}

/* Grid-stride loops: every thread of the grid, then the next grid's worth. */
#define FHOPS_GRID_STRIDE(I, N)                                                                                  \
    for (uint32_t I = blockIdx.x * blockDim.x + threadIdx.x; I < (N); I += gridDim.x * blockDim.x)

#endif
