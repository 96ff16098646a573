/*
 * fhops_mul_mat.h: ggml_mul_mat's tiled kernel, shared by mul_mat_f32,
 * mul_mat_f16 and mul_mat_q8_0, which differ only in how they read an
 * element of src0. dst(i0, i1, i2, i3) = sum_k src0(k, i0, i2 / r2, i3 / r3)
 * * src1(k, i1, i2, i3).
 *
 * Each 16 x 16 block computes a 64 x 64 tile of one dst slice (64 values of
 * i0 by 64 of i1), 4 x 4 per thread in registers, staging 64 x 16 slices of
 * src0 and src1 (converted to f32) in shared memory with a barrier before
 * and after each use: c-examples/kernels/matmul_tiled.fhk's scheme.
 *
 * A kernel source defines, before including this file at file scope,
 *   FH_INLINE float fhops_mm_load_a(uint64_t row, uint32_t k)
 * (element k of the src0 row whose first byte is at row), then writes
 *   FH_KERNEL(mul_mat_T, fhops_mul_mat_args) { FHOPS_MUL_MAT_BODY }
 *
 * Launch: block (16, 16, 1), grid (ceil(ne0 / 64), ceil(ne1 / 64),
 * ne2 * ne3) of dst. Dimension 0 is contiguous in src1 and dst.
 */
#ifndef FHOPS_MUL_MAT_H_
#define FHOPS_MUL_MAT_H_

#include "fhops_view.h"
#include "fhops_mul_mat_args.h"

FH_SHARED float fhops_tile_a[16][64];
FH_SHARED float fhops_tile_b[16][64];

#define FHOPS_MUL_MAT_BODY                                                                                       \
    uint32_t tx = threadIdx.x, ty = threadIdx.y;                                                                 \
    uint32_t tid = ty * 16u + tx;                                                                                \
    uint32_t m0 = blockIdx.x * 64u, n0 = blockIdx.y * 64u;                                                       \
    uint32_t i2 = blockIdx.z % args.dst.ne2, i3 = blockIdx.z / args.dst.ne2;                                     \
    uint32_t rows_a = args.src0.ne1, rows_b = args.src1.ne1, depth = args.src0.ne0;                              \
    uint64_t a_base = args.src0.data + uint64_t(i2 / args.r2) * uint64_t(args.src0.nb2) +                        \
                      uint64_t(i3 / args.r3) * uint64_t(args.src0.nb3);                                          \
    uint64_t b_base = args.src1.data + uint64_t(i2) * uint64_t(args.src1.nb2) + uint64_t(i3) * uint64_t(args.src1.nb3); \
    float acc[4][4];                                                                                             \
    for (uint32_t i = 0u; i < 4u; ++i)                                                                           \
        for (uint32_t j = 0u; j < 4u; ++j) acc[i][j] = 0.0f;                                                     \
    for (uint32_t k0 = 0u; k0 < depth; k0 += 16u) {                                                              \
        for (uint32_t e = tid; e < 1024u; e += 256u) {                                                           \
            uint32_t m = e / 16u, kk = e % 16u;                                                                  \
            uint32_t r = m0 + m, c = k0 + kk;                                                                    \
            fhops_tile_a[kk][m] =                                                                                \
                (r < rows_a && c < depth) ? fhops_mm_load_a(a_base + uint64_t(r) * uint64_t(args.src0.nb1), c) : 0.0f; \
            uint32_t rb = n0 + m;                                                                                \
            fhops_tile_b[kk][m] = (rb < rows_b && c < depth)                                                     \
                                      ? fhops_load_f32(b_base + uint64_t(rb) * uint64_t(args.src1.nb1) + uint64_t(c) * 4u) \
                                      : 0.0f;                                                                    \
        }                                                                                                        \
        fh_barrier();                                                                                            \
        for (uint32_t kk = 0u; kk < 16u; ++kk) {                                                                 \
            float a_reg[4];                                                                                      \
            float b_reg[4];                                                                                      \
            for (uint32_t i = 0u; i < 4u; ++i) a_reg[i] = fhops_tile_a[kk][ty * 4u + i];                         \
            for (uint32_t j = 0u; j < 4u; ++j) b_reg[j] = fhops_tile_b[kk][tx * 4u + j];                         \
            for (uint32_t i = 0u; i < 4u; ++i)                                                                   \
                for (uint32_t j = 0u; j < 4u; ++j) acc[i][j] += a_reg[i] * b_reg[j];                             \
        }                                                                                                        \
        fh_barrier();                                                                                            \
    }                                                                                                            \
    for (uint32_t i = 0u; i < 4u; ++i) {                                                                         \
        uint32_t r = m0 + ty * 4u + i;                                                                           \
        for (uint32_t j = 0u; j < 4u; ++j) {                                                                     \
            uint32_t c = n0 + tx * 4u + j;                                                                       \
            if (r < rows_a && c < rows_b) fhops_store_f32(fhops_at(args.dst, r, c, i2, i3), acc[i][j]);          \
        }                                                                                                        \
    }

#endif
