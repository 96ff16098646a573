/*
 * flaghal_cpu_kernel.h - the calling convention of kernels in the
 * FH_MODULE_FORMAT_NATIVE_CPU module format, version 1.
 *
 * A native CPU module is a host shared library (ELF, built for the process's
 * architecture, e.g. `cc -shared -fPIC -O2 kernels.c -o kernels.so`) loaded
 * from bytes with fhModuleLoadData. A kernel is a pair of exported symbols:
 *
 *   void NAME(const fh_cpu_kernel_context_t *ctx, const void *args);
 *   const fh_cpu_kernel_meta_t NAME__fh_meta;
 *
 * written with FH_CPU_KERNEL(NAME, max_threads_per_block, static_shared_bytes).
 * fhModuleGetFunction finds NAME only if NAME__fh_meta exists too, so other
 * exported functions of the library are never mistaken for kernels.
 *
 * Execution model
 * ---------------
 * The function is called once per block, with ctx->block_idx set. It performs
 * the work of all block_dim threads of that block, usually as loops over the
 * thread indices. A block barrier (__syncthreads in CUDA) is the boundary
 * between two such loops. Blocks of one launch run concurrently on all cores
 * in unspecified order; use C11 atomics for cross-block communication.
 * ctx->shared_memory is the block's shared memory: static_shared_bytes
 * followed by the launch's dynamic shared memory, aligned to 64 bytes,
 * contents undefined at block start, private to the block.
 *
 * args is the launch's argument blob (the kernel's parameters as a C struct),
 * or NULL when the launch passed none (args_size 0).
 * Device addresses in it are uint64_t values (fh_deviceptr_t in flaghal.h;
 * this header stands alone and does not include it) that are host pointers
 * for this format: cast with FH_CPU_PTR.
 *
 * Failure: a kernel reports a failure (the launch then ends with
 * FH_ERROR_LAUNCH_FAILED at the next synchronisation) by calling
 * ctx->fail(ctx, "message"); the remaining blocks may be skipped.
 */
#ifndef FLAGHAL_CPU_KERNEL_H_
#define FLAGHAL_CPU_KERNEL_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Version of this calling convention, stored in every kernel's meta. */
#define FH_CPU_KERNEL_ABI_VERSION 1u

/** Suffix of the metadata symbol that marks NAME as a kernel. */
#define FH_CPU_KERNEL_META_SUFFIX "__fh_meta"

typedef struct fh_cpu_kernel_context fh_cpu_kernel_context_t;

/** Per-block context. Valid only during the call. */
struct fh_cpu_kernel_context {
    /** sizeof(fh_cpu_kernel_context_t) as the plugin was built. */
    size_t struct_size;
    uint32_t grid_dim[3];
    uint32_t block_dim[3];
    uint32_t block_idx[3];
    /** Shared memory of this block (static, then dynamic), 64-byte aligned. */
    void *shared_memory;
    size_t shared_memory_size;
    /** Marks the launch failed with a NUL-terminated message (copied). */
    void (*fail)(const fh_cpu_kernel_context_t *ctx, const char *message);
    /** Plugin-private; do not touch. */
    void *reserved;
    /** Length in bytes of the launch's argument blob (`args`). Added after
     *  the first version of this struct: present only when struct_size
     *  covers it; a plugin built before it passes a smaller struct_size. */
    size_t args_size;
};

/** Metadata exported beside each kernel. */
typedef struct fh_cpu_kernel_meta {
    /** sizeof(fh_cpu_kernel_meta_t). */
    uint32_t struct_size;
    /** FH_CPU_KERNEL_ABI_VERSION. */
    uint32_t abi_version;
    /** Largest block (threads) the kernel supports; 0 = the device limit. */
    uint32_t max_threads_per_block;
    /** Shared memory the kernel needs besides the launch's dynamic amount. */
    uint32_t static_shared_bytes;
} fh_cpu_kernel_meta_t;

typedef void (*fh_cpu_kernel_fn_t)(const fh_cpu_kernel_context_t *ctx, const void *args);

/** Turns a device address from the argument blob into a host pointer. */
#define FH_CPU_PTR(type, device_address) ((type *)(uintptr_t)(device_address))

#if defined(__GNUC__) || defined(__clang__)
#define FH_CPU_KERNEL_VISIBLE __attribute__((visibility("default")))
#else
#define FH_CPU_KERNEL_VISIBLE
#endif
/* C++ gives namespace-scope const objects internal linkage; extern "C" keeps
 * the metadata exported and unmangled. */
#ifdef __cplusplus
#define FH_CPU_KERNEL_EXPORT extern "C" FH_CPU_KERNEL_VISIBLE
#else
#define FH_CPU_KERNEL_EXPORT FH_CPU_KERNEL_VISIBLE
#endif

/**
 * Declares kernel NAME and its metadata; follow it with the body:
 *
 *   FH_CPU_KERNEL(vector_add, 1024, 0) {
 *       const struct vector_add_args *a = (const struct vector_add_args *)args;
 *       for (uint32_t t = 0; t < ctx->block_dim[0]; ++t) { ... }
 *   }
 */
#define FH_CPU_KERNEL(NAME, MAX_THREADS_PER_BLOCK, STATIC_SHARED_BYTES)                                   \
    FH_CPU_KERNEL_EXPORT const fh_cpu_kernel_meta_t NAME##__fh_meta = {                                  \
        (uint32_t)sizeof(fh_cpu_kernel_meta_t), FH_CPU_KERNEL_ABI_VERSION, (MAX_THREADS_PER_BLOCK),    \
        (STATIC_SHARED_BYTES)};                                                                          \
    FH_CPU_KERNEL_EXPORT void NAME(const fh_cpu_kernel_context_t *ctx, const void *args)

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* FLAGHAL_CPU_KERNEL_H_ */
