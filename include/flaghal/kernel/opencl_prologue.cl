/*
 * flaghal/kernel/opencl_prologue.cl - the start of every OpenCL C image
 * that flaghal-kernel writes (FH_MODULE_FORMAT_OPENCL_C). The kernel source
 * itself is preprocessed on the host with target_opencl.h, which maps the
 * FlagHAL kernel language onto the names defined here; this part is left to
 * the device's OpenCL C compiler, because what it enables depends on the
 * device (cl_khr_fp64, cl_khr_fp16, 64-bit atomics).
 *
 * Overloaded helpers use clang's overloadable attribute, which every
 * clang-based OpenCL compiler (PoCL, ROCm, Intel, Mesa) accepts.
 */
#ifdef cl_khr_fp64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif
#ifdef cl_khr_fp16
#pragma OPENCL EXTENSION cl_khr_fp16 : enable
#endif
#ifdef cl_khr_int64_base_atomics
#pragma OPENCL EXTENSION cl_khr_int64_base_atomics : enable
#endif

typedef uchar uint8_t;
typedef char int8_t;
typedef ushort uint16_t;
typedef short int16_t;
typedef uint uint32_t;
typedef int int32_t;
typedef ulong uint64_t;
typedef long int64_t;

#ifdef cl_khr_fp64
typedef struct f64_ptr_element { double v; } f64_ptr_element;
typedef __global f64_ptr_element *f64_ptr;
typedef __global const f64_ptr_element *f64_cptr;
#endif
#ifdef cl_khr_fp16
typedef half float16_t;
typedef struct f16_ptr_element { half v; } f16_ptr_element;
typedef __global f16_ptr_element *f16_ptr;
typedef __global const f16_ptr_element *f16_cptr;
#endif

#define FH_OVERLOAD __attribute__((overloadable)) static inline

/* GLSL's abs and sign take every type; OpenCL's abs returns unsigned and
 * takes integers only. */
FH_OVERLOAD int fh_abs(int x) { return x < 0 ? -x : x; }
FH_OVERLOAD uint fh_abs(uint x) { return x; }
FH_OVERLOAD long fh_abs(long x) { return x < 0 ? -x : x; }
FH_OVERLOAD ulong fh_abs(ulong x) { return x; }
FH_OVERLOAD float fh_abs(float x) { return fabs(x); }
FH_OVERLOAD int fh_sign(int x) { return (x > 0) - (x < 0); }
FH_OVERLOAD uint fh_sign(uint x) { return x != 0u; }
FH_OVERLOAD long fh_sign(long x) { return (long)((x > 0) - (x < 0)); }
FH_OVERLOAD ulong fh_sign(ulong x) { return (ulong)(x != 0ul); }
FH_OVERLOAD float fh_sign(float x) { return sign(x); }
/* GLSL's fract and mod (x - y * floor(x / y)), not OpenCL's fract and fmod. */
FH_OVERLOAD float fh_fract(float x) { return x - floor(x); }
FH_OVERLOAD float fh_mod(float x, float y) { return x - y * floor(x / y); }
#ifdef cl_khr_fp64
FH_OVERLOAD double fh_abs(double x) { return fabs(x); }
FH_OVERLOAD double fh_sign(double x) { return sign(x); }
FH_OVERLOAD double fh_fract(double x) { return x - floor(x); }
FH_OVERLOAD double fh_mod(double x, double y) { return x - y * floor(x / y); }
#endif

/* The dot product of the four signed 8-bit lanes of a and b. */
static inline int fh_dot_packed_4x8(uint a, uint b) {
    int sum = 0;
    for (int lane = 0; lane < 4; ++lane) sum += (int)(char)(a >> (8 * lane)) * (int)(char)(b >> (8 * lane));
    return sum;
}

/* Atomics on an element of device or shared memory, relaxed, returning the
 * old value (GLSL's atomicAdd ...). */
#define FH_ATOMICS_32(SPACE)                                                                       \
    FH_OVERLOAD uint fh_atomic_add(SPACE uint *p, uint v) { return atomic_add((volatile SPACE uint *)p, v); } \
    FH_OVERLOAD int fh_atomic_add(SPACE int *p, int v) { return atomic_add((volatile SPACE int *)p, v); }     \
    FH_OVERLOAD uint fh_atomic_min(SPACE uint *p, uint v) { return atomic_min((volatile SPACE uint *)p, v); } \
    FH_OVERLOAD int fh_atomic_min(SPACE int *p, int v) { return atomic_min((volatile SPACE int *)p, v); }     \
    FH_OVERLOAD uint fh_atomic_max(SPACE uint *p, uint v) { return atomic_max((volatile SPACE uint *)p, v); } \
    FH_OVERLOAD int fh_atomic_max(SPACE int *p, int v) { return atomic_max((volatile SPACE int *)p, v); }     \
    FH_OVERLOAD uint fh_atomic_and(SPACE uint *p, uint v) { return atomic_and((volatile SPACE uint *)p, v); } \
    FH_OVERLOAD int fh_atomic_and(SPACE int *p, int v) { return atomic_and((volatile SPACE int *)p, v); }     \
    FH_OVERLOAD uint fh_atomic_or(SPACE uint *p, uint v) { return atomic_or((volatile SPACE uint *)p, v); }   \
    FH_OVERLOAD int fh_atomic_or(SPACE int *p, int v) { return atomic_or((volatile SPACE int *)p, v); }       \
    FH_OVERLOAD uint fh_atomic_xor(SPACE uint *p, uint v) { return atomic_xor((volatile SPACE uint *)p, v); } \
    FH_OVERLOAD int fh_atomic_xor(SPACE int *p, int v) { return atomic_xor((volatile SPACE int *)p, v); }     \
    FH_OVERLOAD uint fh_atomic_exchange(SPACE uint *p, uint v) { return atomic_xchg((volatile SPACE uint *)p, v); } \
    FH_OVERLOAD int fh_atomic_exchange(SPACE int *p, int v) { return atomic_xchg((volatile SPACE int *)p, v); }     \
    FH_OVERLOAD uint fh_atomic_compswap(SPACE uint *p, uint c, uint v) { return atomic_cmpxchg((volatile SPACE uint *)p, c, v); } \
    FH_OVERLOAD int fh_atomic_compswap(SPACE int *p, int c, int v) { return atomic_cmpxchg((volatile SPACE int *)p, c, v); }     \
    FH_OVERLOAD float fh_atomic_add(SPACE float *p, float v) {                                     \
        volatile SPACE uint *bits = (volatile SPACE uint *)p;                                      \
        uint old = *bits, seen;                                                                    \
        for (;;) {                                                                                 \
            seen = atomic_cmpxchg(bits, old, as_uint(as_float(old) + v));                          \
            if (seen == old) return as_float(old);                                                 \
            old = seen;                                                                            \
        }                                                                                          \
    }
FH_ATOMICS_32(__global)
FH_ATOMICS_32(__local)
#ifdef cl_khr_int64_base_atomics
FH_OVERLOAD ulong fh_atomic_add(__global ulong *p, ulong v) { return atom_add((volatile __global ulong *)p, v); }
FH_OVERLOAD long fh_atomic_add(__global long *p, long v) { return atom_add((volatile __global long *)p, v); }
#endif
