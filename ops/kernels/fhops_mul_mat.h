/*
 * fhops_mul_mat.h: ggml_mul_mat's tiled kernel, shared by mul_mat_f32,
 * mul_mat_f16 and mul_mat_q8_0, which differ only in how they read an
 * element of src0. dst(i0, i1, i2, i3) = sum_k src0(k, i0, i2 / r2, i3 / r3)
 * * src1(k, i1, i2, i3).
 *
 * Each 16 x 16 block computes a BM x BN tile of one dst slice (BM values of
 * i0 by BN of i1; 64 x 64, or 128 x 32 for few src1 rows), TM x TN per
 * thread in registers, staging 16-deep slices of src0 and src1 (converted
 * to f32) in shared memory with a barrier before and after each use:
 * c-examples/kernels/matmul_tiled.fhk's scheme.
 *
 * A kernel source defines, before including this file at file scope,
 *   FH_INLINE float fhops_mm_load_a(uint64_t row, uint32_t k)
 * (element k of the src0 row whose first byte is at row), then writes
 *   FH_KERNEL(mul_mat_T, fhops_mul_mat_args) { FHOPS_MUL_MAT_BODY }
 *
 * Launch: block (16, 16, 1), grid (ceil(ne0 / BM), ceil(ne1 / BN),
 * ne2 * ne3) of dst. Dimension 0 is contiguous in src1 and dst.
 */
#ifndef FHOPS_MUL_MAT_H_
#define FHOPS_MUL_MAT_H_

#include "fhops_view.h"
#include "fhops_mul_mat_args.h"

/* The tile: FHOPS_MM_BM rows of src0 (dst dimension 0) by FHOPS_MM_BN
 * rows of src1 (dimension 1), FHOPS_MM_TM x FHOPS_MM_TN per thread of the
 * 16 x 16 block. Default 64 x 64, 4 x 4; a kernel may define 128 x 32,
 * 8 x 2 before including this file (few src1 rows: no idle columns). */
#ifndef FHOPS_MM_BM
#define FHOPS_MM_BM 64u
#define FHOPS_MM_BN 64u
#define FHOPS_MM_TM 4u
#define FHOPS_MM_TN 4u
#endif

FH_SHARED float fhops_tile_a[16][FHOPS_MM_BM];
FH_SHARED float fhops_tile_b[16][FHOPS_MM_BN];

#define FHOPS_MUL_MAT_BODY                                                                                       \
    uint32_t tx = threadIdx.x, ty = threadIdx.y;                                                                 \
    uint32_t tid = ty * 16u + tx;                                                                                \
    uint32_t m0 = blockIdx.x * FHOPS_MM_BM, n0 = blockIdx.y * FHOPS_MM_BN;                                       \
    uint32_t i2 = blockIdx.z % args.dst.ne2, i3 = blockIdx.z / args.dst.ne2;                                     \
    uint32_t rows_a = args.src0.ne1, rows_b = args.src1.ne1, depth = args.src0.ne0;                              \
    uint64_t a_base = args.src0.data + uint64_t(i2 / args.r2) * uint64_t(args.src0.nb2) +                        \
                      uint64_t(i3 / args.r3) * uint64_t(args.src0.nb3);                                          \
    uint64_t b_base = args.src1.data + uint64_t(i2) * uint64_t(args.src1.nb2) + uint64_t(i3) * uint64_t(args.src1.nb3); \
    float acc[FHOPS_MM_TM][FHOPS_MM_TN];                                                                         \
    for (uint32_t i = 0u; i < FHOPS_MM_TM; ++i)                                                                  \
        for (uint32_t j = 0u; j < FHOPS_MM_TN; ++j) acc[i][j] = 0.0f;                                            \
    for (uint32_t k0 = 0u; k0 < depth; k0 += 16u) {                                                              \
        for (uint32_t e = tid; e < FHOPS_MM_BM * 16u; e += 256u) {                                               \
            uint32_t m = e / 16u, kk = e % 16u;                                                                  \
            uint32_t r = m0 + m, c = k0 + kk;                                                                    \
            fhops_tile_a[kk][m] =                                                                                \
                (r < rows_a && c < depth) ? fhops_mm_load_a(a_base + uint64_t(r) * uint64_t(args.src0.nb1), c) : 0.0f; \
        }                                                                                                        \
        for (uint32_t e = tid; e < FHOPS_MM_BN * 16u; e += 256u) {                                               \
            uint32_t n = e / 16u, kk = e % 16u;                                                                  \
            uint32_t r = n0 + n, c = k0 + kk;                                                                    \
            fhops_tile_b[kk][n] = (r < rows_b && c < depth)                                                      \
                                      ? fhops_load_f32(b_base + uint64_t(r) * uint64_t(args.src1.nb1) + uint64_t(c) * 4u) \
                                      : 0.0f;                                                                    \
        }                                                                                                        \
        fh_barrier();                                                                                            \
        for (uint32_t kk = 0u; kk < 16u; ++kk) {                                                                 \
            float a_reg[FHOPS_MM_TM];                                                                            \
            float b_reg[FHOPS_MM_TN];                                                                            \
            for (uint32_t i = 0u; i < FHOPS_MM_TM; ++i) a_reg[i] = fhops_tile_a[kk][ty * FHOPS_MM_TM + i];       \
            for (uint32_t j = 0u; j < FHOPS_MM_TN; ++j) b_reg[j] = fhops_tile_b[kk][tx * FHOPS_MM_TN + j];       \
            for (uint32_t i = 0u; i < FHOPS_MM_TM; ++i)                                                          \
                for (uint32_t j = 0u; j < FHOPS_MM_TN; ++j) acc[i][j] += a_reg[i] * b_reg[j];                    \
        }                                                                                                        \
        fh_barrier();                                                                                            \
    }                                                                                                            \
    for (uint32_t i = 0u; i < FHOPS_MM_TM; ++i) {                                                                \
        uint32_t r = m0 + ty * FHOPS_MM_TM + i;                                                                  \
        for (uint32_t j = 0u; j < FHOPS_MM_TN; ++j) {                                                            \
            uint32_t c = n0 + tx * FHOPS_MM_TN + j;                                                              \
            if (r < rows_a && c < rows_b) fhops_store_f32(fhops_at(args.dst, r, c, i2, i3), acc[i][j]);          \
        }                                                                                                        \
    }

#endif
