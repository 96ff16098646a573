/*
 * flaghal/kernel/cuda_builtins.h - the GLSL built-in functions of the FlagHAL
 * kernel language for the CUDA target, as C++ overloads over clang's NVPTX
 * built-ins (no CUDA headers, no libdevice). Subgroups are warps; their
 * operations assume every lane of the warp is active (full warps: blocks
 * whose size is a multiple of 32).
 */
#ifndef FLAGHAL_KERNEL_CUDA_BUILTINS_H_
#define FLAGHAL_KERNEL_CUDA_BUILTINS_H_

#define FH_CUDA_FN static FH_CUDA_DEVICE inline __attribute__((always_inline))

/* ---- min, max, clamp, abs, sign, mix, step ----------------------------- */

template <typename T> FH_CUDA_FN T min(T a, T b) { return b < a ? b : a; }
template <typename T> FH_CUDA_FN T max(T a, T b) { return a < b ? b : a; }
template <typename T> FH_CUDA_FN T clamp(T x, T lo, T hi) { return min(max(x, lo), hi); }
template <typename T> FH_CUDA_FN T abs(T x) { return x < T(0) ? -x : x; }
FH_CUDA_FN uint32_t abs(uint32_t x) { return x; }
FH_CUDA_FN uint64_t abs(uint64_t x) { return x; }
FH_CUDA_FN float abs(float x) { return __nvvm_fabs_f(x); }
FH_CUDA_FN double abs(double x) { return __nvvm_fabs_d(x); }
template <typename T> FH_CUDA_FN T sign(T x) { return T((T(0) < x) - (x < T(0))); }
template <typename T> FH_CUDA_FN T mix(T x, T y, T a) { return x * (T(1) - a) + y * a; }
template <typename T> FH_CUDA_FN T step(T edge, T x) { return x < edge ? T(0) : T(1); }

/* ---- Rounding and roots ------------------------------------------------ */

FH_CUDA_FN float floor(float x) { return __nvvm_floor_f(x); }
FH_CUDA_FN double floor(double x) { return __nvvm_floor_d(x); }
FH_CUDA_FN float ceil(float x) { return __nvvm_ceil_f(x); }
FH_CUDA_FN double ceil(double x) { return __nvvm_ceil_d(x); }
FH_CUDA_FN float trunc(float x) { return __nvvm_trunc_f(x); }
FH_CUDA_FN double trunc(double x) { return __nvvm_trunc_d(x); }
FH_CUDA_FN float round(float x) { return __nvvm_round_f(x); }
FH_CUDA_FN double round(double x) { return __nvvm_round_d(x); }
FH_CUDA_FN float sqrt(float x) { return __nvvm_sqrt_rn_f(x); }
FH_CUDA_FN double sqrt(double x) { return __nvvm_sqrt_rn_d(x); }
FH_CUDA_FN float inversesqrt(float x) { return __nvvm_rsqrt_approx_f(x); }
FH_CUDA_FN double inversesqrt(double x) { return 1.0 / __nvvm_sqrt_rn_d(x); }
FH_CUDA_FN float fma(float a, float b, float c) { return __nvvm_fma_rn_f(a, b, c); }
FH_CUDA_FN double fma(double a, double b, double c) { return __nvvm_fma_rn_d(a, b, c); }
template <typename T> FH_CUDA_FN T fract(T x) { return x - floor(x); }
template <typename T> FH_CUDA_FN T mod(T x, T y) { return x - y * floor(x / y); }

/* ---- Transcendentals (PTX approximations) ------------------------------ */

FH_CUDA_FN float exp2(float x) { return __nvvm_ex2_approx_f(x); }
FH_CUDA_FN float log2(float x) { return __nvvm_lg2_approx_f(x); }
FH_CUDA_FN float exp(float x) { return exp2(x * 1.4426950408889634f); }
FH_CUDA_FN float log(float x) { return log2(x) * 0.6931471805599453f; }
FH_CUDA_FN float pow(float x, float y) { return exp2(y * log2(x)); }
FH_CUDA_FN float sin(float x) { return __nvvm_sin_approx_f(x); }
FH_CUDA_FN float cos(float x) { return __nvvm_cos_approx_f(x); }
FH_CUDA_FN float tan(float x) { return sin(x) / cos(x); }
FH_CUDA_FN float sinh(float x) { return 0.5f * (exp(x) - exp(-x)); }
FH_CUDA_FN float cosh(float x) { return 0.5f * (exp(x) + exp(-x)); }
FH_CUDA_FN float tanh(float x) {
    float e = exp(-2.0f * abs(x));
    float t = (1.0f - e) / (1.0f + e);
    return x < 0.0f ? -t : t;
}
/* atan by argument reduction to [0, 1] and a minimax polynomial (error
 * about 1e-5 rad), asin and acos from it. */
FH_CUDA_FN float atan(float x) {
    float a = abs(x), r = a > 1.0f ? 1.0f / a : a, r2 = r * r;
    float p = ((((-0.0464964749f * r2 + 0.15931422f) * r2 - 0.327622764f) * r2) * r) + r;
    float t = a > 1.0f ? 1.5707963267948966f - p : p;
    return x < 0.0f ? -t : t;
}
FH_CUDA_FN float asin(float x) { return atan(x * inversesqrt(1.0f - x * x)); }
FH_CUDA_FN float acos(float x) { return 1.5707963267948966f - asin(x); }
#define FH_CUDA_DOUBLE_THROUGH_FLOAT(NAME)                                                         \
    FH_CUDA_FN double NAME(double x) { return double(NAME(float(x))); }
FH_CUDA_DOUBLE_THROUGH_FLOAT(exp2)
FH_CUDA_DOUBLE_THROUGH_FLOAT(log2)
FH_CUDA_DOUBLE_THROUGH_FLOAT(exp)
FH_CUDA_DOUBLE_THROUGH_FLOAT(log)
FH_CUDA_DOUBLE_THROUGH_FLOAT(sin)
FH_CUDA_DOUBLE_THROUGH_FLOAT(cos)
FH_CUDA_DOUBLE_THROUGH_FLOAT(tan)
FH_CUDA_DOUBLE_THROUGH_FLOAT(sinh)
FH_CUDA_DOUBLE_THROUGH_FLOAT(cosh)
FH_CUDA_DOUBLE_THROUGH_FLOAT(tanh)
FH_CUDA_DOUBLE_THROUGH_FLOAT(atan)
FH_CUDA_DOUBLE_THROUGH_FLOAT(asin)
FH_CUDA_DOUBLE_THROUGH_FLOAT(acos)
FH_CUDA_FN double pow(double x, double y) { return double(pow(float(x), float(y))); }

/* ---- Bit casts and packed dot products --------------------------------- */

FH_CUDA_FN uint32_t floatBitsToUint(float x) { return __builtin_bit_cast(uint32_t, x); }
FH_CUDA_FN int32_t floatBitsToInt(float x) { return __builtin_bit_cast(int32_t, x); }
FH_CUDA_FN float uintBitsToFloat(uint32_t x) { return __builtin_bit_cast(float, x); }
FH_CUDA_FN float intBitsToFloat(int32_t x) { return __builtin_bit_cast(float, x); }

FH_CUDA_FN int32_t fh_dot_packed_4x8(uint32_t a, uint32_t b) {
    int32_t sum = 0;
    for (int lane = 0; lane < 4; ++lane) sum += int32_t(int8_t(a >> (8 * lane))) * int32_t(int8_t(b >> (8 * lane)));
    return sum;
}

/* ---- Atomics on an element (relaxed, device scope) --------------------- */

FH_CUDA_FN uint32_t atomicAdd(uint32_t &m, uint32_t v) { return uint32_t(__nvvm_atom_add_gen_i((int *)&m, int(v))); }
FH_CUDA_FN int32_t atomicAdd(int32_t &m, int32_t v) { return __nvvm_atom_add_gen_i(&m, v); }
FH_CUDA_FN uint64_t atomicAdd(uint64_t &m, uint64_t v) {
    return uint64_t(__nvvm_atom_add_gen_ll((long long *)&m, (long long)v));
}
FH_CUDA_FN int64_t atomicAdd(int64_t &m, int64_t v) { return __nvvm_atom_add_gen_ll((long long *)&m, v); }
FH_CUDA_FN float atomicAdd(float &m, float v) { return __nvvm_atom_add_gen_f(&m, v); }
FH_CUDA_FN uint32_t atomicMin(uint32_t &m, uint32_t v) { return __nvvm_atom_min_gen_ui(&m, v); }
FH_CUDA_FN int32_t atomicMin(int32_t &m, int32_t v) { return __nvvm_atom_min_gen_i(&m, v); }
FH_CUDA_FN uint32_t atomicMax(uint32_t &m, uint32_t v) { return __nvvm_atom_max_gen_ui(&m, v); }
FH_CUDA_FN int32_t atomicMax(int32_t &m, int32_t v) { return __nvvm_atom_max_gen_i(&m, v); }
#define FH_CUDA_ATOMIC_BITS(NAME, BUILTIN)                                                         \
    FH_CUDA_FN uint32_t NAME(uint32_t &m, uint32_t v) { return uint32_t(BUILTIN((int *)&m, int(v))); } \
    FH_CUDA_FN int32_t NAME(int32_t &m, int32_t v) { return BUILTIN(&m, v); }
FH_CUDA_ATOMIC_BITS(atomicAnd, __nvvm_atom_and_gen_i)
FH_CUDA_ATOMIC_BITS(atomicOr, __nvvm_atom_or_gen_i)
FH_CUDA_ATOMIC_BITS(atomicXor, __nvvm_atom_xor_gen_i)
FH_CUDA_ATOMIC_BITS(atomicExchange, __nvvm_atom_xchg_gen_i)
FH_CUDA_FN uint32_t atomicCompSwap(uint32_t &m, uint32_t c, uint32_t v) {
    return uint32_t(__nvvm_atom_cas_gen_i((int *)&m, int(c), int(v)));
}
FH_CUDA_FN int32_t atomicCompSwap(int32_t &m, int32_t c, int32_t v) { return __nvvm_atom_cas_gen_i(&m, c, v); }

/* ---- Subgroups: warps -------------------------------------------------- */

#define FH_CUDA_FULL_WARP 0xFFFFFFFFu

FH_CUDA_FN uint32_t fh_cuda_shfl_xor(uint32_t x, uint32_t mask) {
    return uint32_t(__nvvm_shfl_sync_bfly_i32(FH_CUDA_FULL_WARP, int(x), int(mask), 0x1F));
}
FH_CUDA_FN int32_t fh_cuda_shfl_xor(int32_t x, uint32_t mask) {
    return __nvvm_shfl_sync_bfly_i32(FH_CUDA_FULL_WARP, x, int(mask), 0x1F);
}
FH_CUDA_FN float fh_cuda_shfl_xor(float x, uint32_t mask) {
    return __nvvm_shfl_sync_bfly_f32(FH_CUDA_FULL_WARP, x, int(mask), 0x1F);
}
FH_CUDA_FN uint32_t fh_cuda_shfl_up(uint32_t x, uint32_t delta) {
    return uint32_t(__nvvm_shfl_sync_up_i32(FH_CUDA_FULL_WARP, int(x), int(delta), 0));
}
FH_CUDA_FN int32_t fh_cuda_shfl_up(int32_t x, uint32_t delta) {
    return __nvvm_shfl_sync_up_i32(FH_CUDA_FULL_WARP, x, int(delta), 0);
}
FH_CUDA_FN float fh_cuda_shfl_up(float x, uint32_t delta) {
    return __nvvm_shfl_sync_up_f32(FH_CUDA_FULL_WARP, x, int(delta), 0);
}
template <typename T> FH_CUDA_FN T subgroupShuffle(T x, uint32_t lane) {
    return T(__nvvm_shfl_sync_idx_i32(FH_CUDA_FULL_WARP, __builtin_bit_cast(int32_t, x), int(lane), 0x1F));
}
FH_CUDA_FN float subgroupShuffle(float x, uint32_t lane) {
    return __nvvm_shfl_sync_idx_f32(FH_CUDA_FULL_WARP, x, int(lane), 0x1F);
}
template <typename T> FH_CUDA_FN T subgroupShuffleXor(T x, uint32_t mask) { return fh_cuda_shfl_xor(x, mask); }
template <typename T> FH_CUDA_FN T subgroupBroadcastFirst(T x) { return subgroupShuffle(x, 0u); }
FH_CUDA_FN bool subgroupElect() { return fh_subgroup_lane() == 0u; }
template <typename T> FH_CUDA_FN T subgroupAdd(T x) {
    for (uint32_t m = 16u; m > 0u; m >>= 1) x += fh_cuda_shfl_xor(x, m);
    return x;
}
template <typename T> FH_CUDA_FN T subgroupMin(T x) {
    for (uint32_t m = 16u; m > 0u; m >>= 1) x = min(x, fh_cuda_shfl_xor(x, m));
    return x;
}
template <typename T> FH_CUDA_FN T subgroupMax(T x) {
    for (uint32_t m = 16u; m > 0u; m >>= 1) x = max(x, fh_cuda_shfl_xor(x, m));
    return x;
}
template <typename T> FH_CUDA_FN T subgroupInclusiveAdd(T x) {
    uint32_t lane = fh_subgroup_lane();
    for (uint32_t d = 1u; d < 32u; d <<= 1) {
        T y = fh_cuda_shfl_up(x, d);
        if (lane >= d) x += y;
    }
    return x;
}
template <typename T> FH_CUDA_FN T subgroupExclusiveAdd(T x) { return subgroupInclusiveAdd(x) - x; }

#endif /* FLAGHAL_KERNEL_CUDA_BUILTINS_H_ */
