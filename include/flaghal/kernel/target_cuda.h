/*
 * flaghal/kernel/target_cuda.h - FlagHAL kernel language, CUDA target: PTX
 * (FH_MODULE_FORMAT_PTX) for NVIDIA GPUs.
 *
 * Included by flaghal_kernel.h when clang compiles the source as CUDA for the
 * GPU alone (`clang -x cuda --cuda-device-only -nocudainc -nocudalib`): no
 * CUDA toolkit is needed. flaghal-kernel does this (cuda_build.rs). Without
 * the toolkit's headers or libdevice, everything the language uses is built
 * here from clang's NVPTX built-ins and its CUDA built-in variables.
 *
 * The kernel convention is docs/kernels.md's "FH_MODULE_FORMAT_PTX": one
 * `extern "C"` entry per kernel whose single parameter is the parameter
 * struct, so the blob is its parameter buffer; dynamic shared memory is the
 * `extern __shared__` array. Transcendental functions use the PTX
 * approximate instructions (ex2.approx, lg2.approx, sin.approx, cos.approx):
 * GLSL's precision, not C's; double precision has sqrt, fma and rounding
 * exactly, the others through float.
 */
#ifndef FLAGHAL_KERNEL_TARGET_CUDA_H_
#define FLAGHAL_KERNEL_TARGET_CUDA_H_

#include <__clang_cuda_builtin_vars.h>
#include <stddef.h>
#include <stdint.h>

#define FH_KERNEL_TARGET_CUDA 1
#define FH_KERNEL_HAS_FLOAT64 1
#define FH_KERNEL_HAS_FLOAT16 1

#define FH_CUDA_DEVICE __attribute__((device))
#define FH_CUDA_GLOBAL __attribute__((global))
#define FH_CUDA_SHARED __attribute__((shared))

typedef uint32_t uint;

/* A binary16 value (clang's NVPTX target has no _Float16): stored in 16
 * bits, converted with PTX cvt, and computed in float, as the native CPU
 * target's _Float16 arithmetic is. */
struct float16_t {
    uint16_t bits;
    float16_t() = default;
    FH_CUDA_DEVICE float16_t(float f) { asm("cvt.rn.f16.f32 %0, %1;" : "=h"(bits) : "f"(f)); }
    FH_CUDA_DEVICE float16_t(double d) : float16_t(float(d)) {}
    FH_CUDA_DEVICE float16_t(int i) : float16_t(float(i)) {}
    FH_CUDA_DEVICE operator float() const {
        float f;
        asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(bits));
        return f;
    }
};
static_assert(sizeof(float16_t) == 2 && alignof(float16_t) == 2, "float16_t is 16 bits");

/* ---- Pointers ---------------------------------------------------------- */

#define FH_DEFINE_POINTER(NAME, CNAME, T, ALIGN)                                                   \
    struct NAME##_element {                                                                        \
        T v;                                                                                       \
    };                                                                                             \
    typedef NAME##_element *NAME;                                                                  \
    typedef const NAME##_element *CNAME;                                                           \
    static_assert(sizeof(NAME##_element) == sizeof(T) && alignof(T) == (ALIGN), #NAME)

#include "pointer_types.h"

#define fh_ptr(T, address) ((T)(uintptr_t)(address))
#define fh_address(p) ((uint64_t)(uintptr_t)(p))

/* ---- Declarations ------------------------------------------------------ */

#define FH_STRUCT(NAME) struct NAME
#define FH_SHARED static FH_CUDA_SHARED
#define FH_INLINE static FH_CUDA_DEVICE inline

/* ---- Thread indices (threadIdx ... come from clang's built-in variables) */

#define fh_subgroup_size() 32u /* a warp, on every NVIDIA GPU */
#define fh_subgroup_lane() uint32_t(__nvvm_read_ptx_sreg_laneid())
#define fh_subgroup_id() ((threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z)) / fh_subgroup_size())

/* __syncthreads: bar.sync orders shared and device memory for the block. */
#define fh_barrier() __nvvm_bar_sync(0)

/* ---- Dynamic shared memory --------------------------------------------- */

extern FH_CUDA_SHARED unsigned char fh_dynamic_shared_base[];

template <typename T>
struct fh_dynamic_view {
    FH_CUDA_DEVICE T &operator[](uint64_t i) const { return reinterpret_cast<T *>(fh_dynamic_shared_base)[i]; }
};

#define FH_DYNAMIC_SHARED(T, NAME) static FH_CUDA_DEVICE const fh_dynamic_view<T> NAME = {}

FH_INLINE uint32_t fh_dynamic_shared_size() {
    uint32_t bytes;
    asm("mov.u32 %0, %%dynamic_smem_size;" : "=r"(bytes));
    return bytes;
}

/* ---- Kernels ----------------------------------------------------------- */

#define FH_KERNEL(NAME, ARGS) extern "C" FH_CUDA_GLOBAL void NAME(const ARGS args)

/* A raw kernel's parameter buffer: the blob, up to CUDA's 4096 bytes. */
struct fh_raw_blob {
    uint32_t words[1024];
};
#define FH_KERNEL_RAW(NAME) extern "C" FH_CUDA_GLOBAL void NAME(const fh_raw_blob fh_blob)
#define fh_args_u32(word) (fh_blob.words[word])

#include "cuda_builtins.h"

#endif /* FLAGHAL_KERNEL_TARGET_CUDA_H_ */
