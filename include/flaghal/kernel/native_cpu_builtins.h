/*
 * flaghal/kernel/native_cpu_builtins.h - the GLSL built-in functions the
 * FlagHAL kernel language uses, for the native CPU target (C11 _Generic
 * where GLSL overloads). tgmath.h (included by target_native_cpu.h) already
 * gives sqrt, exp, exp2, log, log2, pow, sin, cos, tan, asin, acos, atan,
 * sinh, cosh, tanh, floor, ceil, round, trunc and fma their float overloads.
 */
#ifndef FLAGHAL_KERNEL_NATIVE_CPU_BUILTINS_H_
#define FLAGHAL_KERNEL_NATIVE_CPU_BUILTINS_H_

/* ---- min, max, clamp, abs, sign ---------------------------------------- */

#define FH_CPU_DEFINE_MINMAX(SUFFIX, T)                                                            \
    static inline T fh_cpu_min_##SUFFIX(T a, T b) { return b < a ? b : a; }                        \
    static inline T fh_cpu_max_##SUFFIX(T a, T b) { return a < b ? b : a; }                        \
    static inline T fh_cpu_clamp_##SUFFIX(T x, T lo, T hi) { return fh_cpu_min_##SUFFIX(fh_cpu_max_##SUFFIX(x, lo), hi); }
FH_CPU_DEFINE_MINMAX(i32, int32_t)
FH_CPU_DEFINE_MINMAX(u32, uint32_t)
FH_CPU_DEFINE_MINMAX(i64, int64_t)
FH_CPU_DEFINE_MINMAX(u64, uint64_t)
FH_CPU_DEFINE_MINMAX(f32, float)
FH_CPU_DEFINE_MINMAX(f64, double)

#define FH_CPU_GENERIC(X, NAME)                                                                    \
    _Generic((X),                                                                                  \
        int8_t: fh_cpu_##NAME##_i32,                                                               \
        uint8_t: fh_cpu_##NAME##_u32,                                                              \
        int16_t: fh_cpu_##NAME##_i32,                                                              \
        uint16_t: fh_cpu_##NAME##_u32,                                                             \
        int32_t: fh_cpu_##NAME##_i32,                                                              \
        uint32_t: fh_cpu_##NAME##_u32,                                                             \
        long long: fh_cpu_##NAME##_i64,                                                            \
        unsigned long long: fh_cpu_##NAME##_u64,                                                   \
        int64_t: fh_cpu_##NAME##_i64,                                                              \
        uint64_t: fh_cpu_##NAME##_u64,                                                             \
        float: fh_cpu_##NAME##_f32,                                                                \
        double: fh_cpu_##NAME##_f64)

/* The overload follows the common type of the arguments, as GLSL's would. */
#define min(a, b) FH_CPU_GENERIC((a) + (b), min)((a), (b))
#define max(a, b) FH_CPU_GENERIC((a) + (b), max)((a), (b))
#define clamp(x, lo, hi) FH_CPU_GENERIC((x) + (lo) + (hi), clamp)((x), (lo), (hi))

static inline int32_t fh_cpu_abs_i32(int32_t x) { return x < 0 ? -x : x; }
static inline uint32_t fh_cpu_abs_u32(uint32_t x) { return x; }
static inline int64_t fh_cpu_abs_i64(int64_t x) { return x < 0 ? -x : x; }
static inline uint64_t fh_cpu_abs_u64(uint64_t x) { return x; }
static inline float fh_cpu_abs_f32(float x) { return fabsf(x); }
static inline double fh_cpu_abs_f64(double x) { return fabs(x); }
#undef abs
#define abs(x) FH_CPU_GENERIC((x), abs)(x)

static inline int32_t fh_cpu_sign_i32(int32_t x) { return (x > 0) - (x < 0); }
static inline uint32_t fh_cpu_sign_u32(uint32_t x) { return x != 0; }
static inline int64_t fh_cpu_sign_i64(int64_t x) { return (x > 0) - (x < 0); }
static inline uint64_t fh_cpu_sign_u64(uint64_t x) { return x != 0; }
static inline float fh_cpu_sign_f32(float x) { return (float)((x > 0.0f) - (x < 0.0f)); }
static inline double fh_cpu_sign_f64(double x) { return (double)((x > 0.0) - (x < 0.0)); }
#define sign(x) FH_CPU_GENERIC((x), sign)(x)

/* ---- Float functions GLSL has and C lacks ------------------------------ */

static inline float fh_cpu_fract_f32(float x) { return x - floorf(x); }
static inline double fh_cpu_fract_f64(double x) { return x - floor(x); }
#define fract(x) _Generic((x), float: fh_cpu_fract_f32, double: fh_cpu_fract_f64)(x)

static inline float fh_cpu_mod_f32(float x, float y) { return x - y * floorf(x / y); }
static inline double fh_cpu_mod_f64(double x, double y) { return x - y * floor(x / y); }
#define mod(x, y) _Generic((x) + (y), float: fh_cpu_mod_f32, double: fh_cpu_mod_f64)((x), (y))

static inline float fh_cpu_mix_f32(float x, float y, float a) { return x * (1.0f - a) + y * a; }
static inline double fh_cpu_mix_f64(double x, double y, double a) { return x * (1.0 - a) + y * a; }
#define mix(x, y, a) _Generic((x) + (y) + (a), float: fh_cpu_mix_f32, double: fh_cpu_mix_f64)((x), (y), (a))

static inline float fh_cpu_step_f32(float edge, float x) { return x < edge ? 0.0f : 1.0f; }
static inline double fh_cpu_step_f64(double edge, double x) { return x < edge ? 0.0 : 1.0; }
#define step(edge, x) _Generic((edge) + (x), float: fh_cpu_step_f32, double: fh_cpu_step_f64)((edge), (x))

static inline float fh_cpu_inversesqrt_f32(float x) { return 1.0f / sqrtf(x); }
static inline double fh_cpu_inversesqrt_f64(double x) { return 1.0 / sqrt(x); }
#define inversesqrt(x) _Generic((x), float: fh_cpu_inversesqrt_f32, double: fh_cpu_inversesqrt_f64)(x)

/* ---- Bit casts --------------------------------------------------------- */

static inline uint32_t floatBitsToUint(float x) {
    uint32_t u;
    memcpy(&u, &x, 4);
    return u;
}
static inline int32_t floatBitsToInt(float x) {
    int32_t i;
    memcpy(&i, &x, 4);
    return i;
}
static inline float uintBitsToFloat(uint32_t u) {
    float x;
    memcpy(&x, &u, 4);
    return x;
}
static inline float intBitsToFloat(int32_t i) {
    float x;
    memcpy(&x, &i, 4);
    return x;
}

/* ---- Portable functions of the language -------------------------------- */

/* Dot product of the four signed 8-bit lanes of a and b (dp4a). */
static inline int32_t fh_dot_packed_4x8(uint32_t a, uint32_t b) {
    int32_t sum = 0;
    int lane;
    for (lane = 0; lane < 4; ++lane) {
        sum += (int32_t)(int8_t)(a >> (8 * lane)) * (int32_t)(int8_t)(b >> (8 * lane));
    }
    return sum;
}

/* ---- Atomics on an element (p[i].v or a shared variable) --------------- */

#define FH_CPU_DEFINE_ATOMIC_INT(SUFFIX, T)                                                        \
    static inline T fh_cpu_atomic_add_##SUFFIX(T *p, T v) { return __atomic_fetch_add(p, v, __ATOMIC_RELAXED); } \
    static inline T fh_cpu_atomic_and_##SUFFIX(T *p, T v) { return __atomic_fetch_and(p, v, __ATOMIC_RELAXED); } \
    static inline T fh_cpu_atomic_or_##SUFFIX(T *p, T v) { return __atomic_fetch_or(p, v, __ATOMIC_RELAXED); }   \
    static inline T fh_cpu_atomic_xor_##SUFFIX(T *p, T v) { return __atomic_fetch_xor(p, v, __ATOMIC_RELAXED); } \
    static inline T fh_cpu_atomic_exchange_##SUFFIX(T *p, T v) { return __atomic_exchange_n(p, v, __ATOMIC_RELAXED); } \
    static inline T fh_cpu_atomic_min_##SUFFIX(T *p, T v) {                                        \
        T old = __atomic_load_n(p, __ATOMIC_RELAXED);                                              \
        while (v < old && !__atomic_compare_exchange_n(p, &old, v, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) { \
        }                                                                                          \
        return old;                                                                                \
    }                                                                                              \
    static inline T fh_cpu_atomic_max_##SUFFIX(T *p, T v) {                                        \
        T old = __atomic_load_n(p, __ATOMIC_RELAXED);                                              \
        while (old < v && !__atomic_compare_exchange_n(p, &old, v, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) { \
        }                                                                                          \
        return old;                                                                                \
    }                                                                                              \
    static inline T fh_cpu_atomic_compswap_##SUFFIX(T *p, T compare, T v) {                        \
        __atomic_compare_exchange_n(p, &compare, v, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);        \
        return compare;                                                                            \
    }
FH_CPU_DEFINE_ATOMIC_INT(i32, int32_t)
FH_CPU_DEFINE_ATOMIC_INT(u32, uint32_t)
FH_CPU_DEFINE_ATOMIC_INT(i64, int64_t)
FH_CPU_DEFINE_ATOMIC_INT(u64, uint64_t)

static inline float fh_cpu_atomic_add_f32(float *p, float v) {
    uint32_t *bits = (uint32_t *)(void *)p;
    uint32_t old = __atomic_load_n(bits, __ATOMIC_RELAXED), next;
    do {
        next = floatBitsToUint(uintBitsToFloat(old) + v);
    } while (!__atomic_compare_exchange_n(bits, &old, next, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
    return uintBitsToFloat(old);
}

#define FH_CPU_ATOMIC(MEM, NAME)                                                                   \
    _Generic(&(MEM),                                                                               \
        int32_t *: fh_cpu_atomic_##NAME##_i32,                                                     \
        uint32_t *: fh_cpu_atomic_##NAME##_u32,                                                    \
        int64_t *: fh_cpu_atomic_##NAME##_i64,                                                     \
        uint64_t *: fh_cpu_atomic_##NAME##_u64)

#define atomicAdd(mem, v)                                                                          \
    _Generic(&(mem),                                                                               \
        float *: fh_cpu_atomic_add_f32,                                                            \
        int32_t *: fh_cpu_atomic_add_i32,                                                          \
        uint32_t *: fh_cpu_atomic_add_u32,                                                         \
        int64_t *: fh_cpu_atomic_add_i64,                                                          \
        uint64_t *: fh_cpu_atomic_add_u64)(&(mem), (v))
#define atomicAnd(mem, v) FH_CPU_ATOMIC(mem, and)(&(mem), (v))
#define atomicOr(mem, v) FH_CPU_ATOMIC(mem, or)(&(mem), (v))
#define atomicXor(mem, v) FH_CPU_ATOMIC(mem, xor)(&(mem), (v))
#define atomicMin(mem, v) FH_CPU_ATOMIC(mem, min)(&(mem), (v))
#define atomicMax(mem, v) FH_CPU_ATOMIC(mem, max)(&(mem), (v))
#define atomicExchange(mem, v) FH_CPU_ATOMIC(mem, exchange)(&(mem), (v))
#define atomicCompSwap(mem, compare, v) FH_CPU_ATOMIC(mem, compswap)(&(mem), (compare), (v))

/* ---- Subgroups (one thread each on this target) ------------------------ */

#define subgroupElect() true
#define subgroupAdd(x) (x)
#define subgroupMul(x) (x)
#define subgroupMin(x) (x)
#define subgroupMax(x) (x)
#define subgroupAnd(x) (x)
#define subgroupOr(x) (x)
#define subgroupXor(x) (x)
#define subgroupInclusiveAdd(x) (x)
#define subgroupExclusiveAdd(x) ((x) * 0)
#define subgroupBroadcastFirst(x) (x)
#define subgroupShuffle(x, lane) ((void)(lane), (x))
#define subgroupShuffleXor(x, mask) ((void)(mask), (x))

#endif /* FLAGHAL_KERNEL_NATIVE_CPU_BUILTINS_H_ */
