/*
 * flaghal/kernel/target_native_cpu.h - FlagHAL kernel language, native CPU
 * target.
 *
 * Included by flaghal_kernel.h when the source is compiled as C11 by a host
 * compiler (gcc or clang) into a FH_MODULE_FORMAT_NATIVE_CPU module
 * (flaghal_cpu_kernel.h). Every FH_KERNEL becomes an exported kernel whose
 * per-block function runs the block's threads itself
 * (native_cpu_threads.h): one after another while no thread reaches
 * fh_barrier(), as fibers that take turns at each barrier otherwise.
 *
 * The GLSL spellings the language uses are given their C meaning here:
 * constructor casts (float(x), uint32_t(x)), overloaded min/max/clamp/abs and
 * the other built-in functions, atomicAdd & co. on an element.
 */
#ifndef FLAGHAL_KERNEL_TARGET_NATIVE_CPU_H_
#define FLAGHAL_KERNEL_TARGET_NATIVE_CPU_H_

#if !defined(__STDC_VERSION__) || __STDC_VERSION__ < 201112L
#error "the native CPU target of flaghal_kernel.h needs C11 (cc -std=c11)"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <tgmath.h>

#include "../flaghal_cpu_kernel.h"

#define FH_KERNEL_TARGET_NATIVE_CPU 1
#define FH_KERNEL_HAS_FLOAT64 1

_Static_assert(sizeof(void *) == 8, "native CPU kernels take 64-bit device addresses as host pointers");

typedef uint32_t uint;
#if defined(__FLT16_MAX__)
__extension__ typedef _Float16 float16_t;
#define FH_KERNEL_HAS_FLOAT16 1
#endif

/* ---- Pointers ---------------------------------------------------------- */

#define FH_DEFINE_POINTER(NAME, CNAME, T, ALIGN)                                                   \
    typedef struct NAME##_element {                                                                \
        T v;                                                                                       \
    } NAME##_element;                                                                              \
    typedef NAME##_element *NAME;                                                                  \
    typedef const NAME##_element *CNAME;                                                           \
    _Static_assert(sizeof(NAME##_element) == sizeof(T) && (ALIGN) == _Alignof(T), #NAME)

#include "pointer_types.h"

/* A pointer of type T from a device address, and back. */
#define fh_ptr(T, address) ((T)(uintptr_t)(address))
#define fh_address(p) ((uint64_t)(uintptr_t)(p))

/* ---- Declarations ------------------------------------------------------ */

#define FH_STRUCT(NAME)                                                                            \
    typedef struct NAME NAME;                                                                      \
    struct NAME
/* Shared memory is per block: a block's threads all run on one host thread,
 * which runs one block at a time, so thread-local storage is exactly that. */
#define FH_SHARED static _Thread_local
#define FH_INLINE static inline

#include "native_cpu_threads.h"

/* ---- Thread indices ---------------------------------------------------- */

#define threadIdx (fh_cpu_current_thread->thread_idx)
#define blockIdx (fh_cpu_current_thread->block->block_idx)
#define blockDim (fh_cpu_current_thread->block->block_dim)
#define gridDim (fh_cpu_current_thread->block->grid_dim)
/* A subgroup is one thread on this target. */
#define fh_subgroup_size() 1u
#define fh_subgroup_lane() 0u
#define fh_subgroup_id() (threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z))

#define fh_barrier() fh_cpu_barrier()

/* ---- Dynamic shared memory --------------------------------------------- */

/* Bytes of dynamic shared memory the block has. */
#define fh_dynamic_shared_size() ((uint32_t)fh_cpu_current_thread->block->dynamic_shared_size)

/* NAME points at the launch's dynamic shared memory in every block: the
 * block runner sets it through the slot registered here at load time. */
#define FH_DYNAMIC_SHARED(T, NAME)                                                                 \
    static _Thread_local T *NAME;                                                                  \
    static void **fh_cpu_slot_##NAME(void) { return (void **)&NAME; }                              \
    __attribute__((constructor)) static void fh_cpu_register_##NAME(void) {                       \
        fh_cpu_register_dynamic_shared(fh_cpu_slot_##NAME);                                        \
    }                                                                                              \
    _Static_assert(1, #NAME)

/* ---- Kernels ----------------------------------------------------------- */

#ifndef FH_KERNEL_MAX_THREADS_PER_BLOCK
#define FH_KERNEL_MAX_THREADS_PER_BLOCK 0u
#endif

#define FH_KERNEL(NAME, ARGS)                                                                      \
    static void fh_kernel_body_##NAME(const ARGS args);                                            \
    static void fh_kernel_thread_##NAME(const void *args) {                                        \
        fh_kernel_body_##NAME(*(const ARGS *)args);                                                \
    }                                                                                              \
    FH_CPU_KERNEL(NAME, FH_KERNEL_MAX_THREADS_PER_BLOCK, 0) {                                      \
        fh_cpu_run_block(ctx, args, sizeof(ARGS), fh_kernel_thread_##NAME);                        \
    }                                                                                              \
    static void fh_kernel_body_##NAME(const ARGS args)

#define FH_KERNEL_RAW(NAME)                                                                        \
    static void fh_kernel_body_##NAME(void);                                                       \
    static void fh_kernel_thread_##NAME(const void *args) {                                        \
        (void)args;                                                                                \
        fh_kernel_body_##NAME();                                                                   \
    }                                                                                              \
    FH_CPU_KERNEL(NAME, FH_KERNEL_MAX_THREADS_PER_BLOCK, 0) {                                      \
        fh_cpu_run_block(ctx, args, 0, fh_kernel_thread_##NAME);                                   \
    }                                                                                              \
    static void fh_kernel_body_##NAME(void)

/* Word `word` of a raw kernel's blob; 0 past the blob's end. */
static inline uint32_t fh_args_u32(uint32_t word) {
    const fh_cpu_block_t *block = fh_cpu_current_thread->block;
    uint32_t value = 0;
    if (((size_t)word + 1) * 4 <= block->args_size) {
        memcpy(&value, (const unsigned char *)block->args + (size_t)word * 4, 4);
    }
    return value;
}

/* ---- GLSL constructor casts -------------------------------------------- */

/* float(x) and friends: function-like macros never touch the type names
 * (`float x`, `(float)x` and sizeof(float) are not followed by an argument
 * list). Clang warns that a keyword becomes a macro; that is the point. */
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wkeyword-macro"
#endif

#include "constructor_casts.h"

#include "native_cpu_builtins.h"

#endif /* FLAGHAL_KERNEL_TARGET_NATIVE_CPU_H_ */
