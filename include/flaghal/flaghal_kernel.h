/*
 * flaghal_kernel.h - the FlagHAL kernel language, version 1: write a kernel
 * once, run it on every FlagHAL device.
 *
 * A kernel source is a file in the common subset of C11 and GLSL 4.60 that
 * this header defines. It is compiled, unchanged:
 *   - by glslc into SPIR-V (FH_MODULE_FORMAT_SPIRV, the FlagHAL SPIR-V kernel
 *     convention of docs/kernels.md), for Vulkan and every plugin that lists
 *     SPIRV;
 *   - by a host C compiler into a native CPU module
 *     (FH_MODULE_FORMAT_NATIVE_CPU, flaghal_cpu_kernel.h);
 *   - by the host C preprocessor into OpenCL C source
 *     (FH_MODULE_FORMAT_OPENCL_C) for OpenCL devices;
 *   - by clang's CUDA mode (no CUDA toolkit) into PTX (FH_MODULE_FORMAT_PTX)
 *     for NVIDIA GPUs;
 * and `flaghal-kernel build` does both and packs the images into one
 * FH_MODULE_FORMAT_BUNDLE module that loads on any of those devices.
 * docs/kernels.md is the kernel author's guide; this comment is the language.
 *
 * The target is chosen by the compiler: glslc for Vulkan defines VULKAN
 * (target_spirv.h); flaghal-kernel's OpenCL step preprocesses with
 * __OPENCL_C_VERSION__ defined (target_opencl.h, FH_MODULE_FORMAT_OPENCL_C);
 * a C compiler gets the native CPU target (target_native_cpu.h). Include
 * this header first, before anything else.
 *
 * A kernel source, in full:
 *
 *   #include <flaghal/flaghal_kernel.h>
 *
 *   FH_STRUCT(vector_add_args) {   // the argument blob, byte for byte
 *       f32_cptr a;                // offset 0: a device address
 *       f32_cptr b;                // offset 8
 *       f32_ptr c;                 // offset 16
 *       uint32_t n;                // offset 24
 *   };
 *
 *   FH_KERNEL(vector_add, vector_add_args) {
 *       uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
 *       if (i < args.n) args.c[i].v = args.a[i].v + args.b[i].v;
 *   }
 *
 * Rules
 * -----
 * - One FH_KERNEL per source file (a module bundles several files). Shared
 *   helpers go in headers the kernels #include.
 * - Types: bool, int, uint, int8_t .. uint64_t, float, double (kernels that
 *   use it need FH_DEVICE_CAP_FLOAT64), float16_t (FH_DEVICE_CAP_FLOAT16).
 *   Int64 arithmetic is always available. No vectors, no pointers to local
 *   variables, no recursion, no function pointers.
 * - Casts are GLSL constructor casts, float(x), uint32_t(x): a C cast
 *   (float)x is not GLSL. Write float literals with f (1.5f), or the C target
 *   computes in double.
 * - Structs are declared with FH_STRUCT(name) { ... }; and used as `name`.
 *   Parameter structs hold only scalars, pointer types and other such structs
 *   (no bool: use uint32_t); their layout is C's natural layout, which GLSL's
 *   scalar layout reproduces. The build tool checks every member offset of
 *   the parameter struct on both targets.
 * - Device memory: the pointer types f32_ptr, f16_ptr, f64_ptr, u8_ptr,
 *   i8_ptr, u16_ptr, i16_ptr, u32_ptr, i32_ptr, u64_ptr, i64_ptr, and a
 *   read-only twin of each (f32_cptr ...). Element i is p[i].v; p + k is a
 *   pointer k elements on; fh_ptr(f32_ptr, address) makes one from a
 *   uint64_t device address and fh_address(p) gives it back.
 *   FH_DEFINE_POINTER(name, cname, T, alignof(T)) declares the pointer types
 *   of a struct T.
 * - Names: C identifiers that are not GLSL keywords either (in, out, inout,
 *   input, output, buffer, shared, sample, filter, common, partition, active,
 *   precise, ... are taken).
 * - fh_dynamic_shared_size(): bytes of dynamic shared memory the block has
 *   (at least the launch's shared_mem_bytes).
 * - Indices, as in CUDA: threadIdx, blockIdx, blockDim, gridDim, each with
 *   .x .y .z (uint32_t).
 * - fh_barrier() is CUDA's __syncthreads(): every thread of the block
 *   reaches it (call it only in control flow that is uniform across the
 *   block), and shared and device memory writes made before it by the
 *   block's threads are visible to them after it.
 * - Shared memory: file-scope declarations `FH_SHARED float tile[16][16];`
 *   (static shared memory, touched only by kernel bodies) and at most one
 *   `FH_DYNAMIC_SHARED(T, name);` per kernel: an array of T (a scalar type)
 *   over the launch's shared_mem_bytes.
 * - The kernel body reads its parameters as `args` (read-only; the name is
 *   reserved). A blob shorter than the struct reads as zero past its end
 *   (a bundle's loader refuses it first). FH_KERNEL_RAW
 *   kernels take a variable-length blob and read it as 32-bit words,
 *   fh_args_u32(word): only words inside the blob.
 * - Built-in functions are GLSL's: min, max, clamp, abs, sign, floor, ceil,
 *   round, trunc, fract, mod, mix, step, sqrt, inversesqrt, exp, exp2, log,
 *   log2, pow, sin, cos, tan, asin, acos, atan, sinh, cosh, tanh, fma,
 *   floatBitsToUint, uintBitsToFloat, floatBitsToInt, intBitsToFloat;
 *   atomics on an element or a shared variable: atomicAdd (int, uint, 64-bit
 *   with FH_DEVICE_CAP_ATOMIC_INT64, float with FH_DEVICE_CAP_ATOMIC_FLOAT32),
 *   atomicMin, atomicMax, atomicAnd, atomicOr, atomicXor, atomicExchange,
 *   atomicCompSwap (relaxed: order with fh_barrier or stream order);
 *   fh_dot_packed_4x8(a, b): the dot product of the four signed 8-bit lanes
 *   of two uint32_t (portable code on every target; a device's
 *   FH_DEVICE_CAP_INT8_DOT_PRODUCT says whether SPIR-V's packed dot product
 *   instructions are native there);
 *   subgroupAdd, subgroupMin, subgroupMax, subgroupInclusiveAdd,
 *   subgroupExclusiveAdd, subgroupBroadcastFirst, subgroupElect
 *   (FH_DEVICE_CAP_SUBGROUP_ARITHMETIC), subgroupShuffle, subgroupShuffleXor
 *   (FH_DEVICE_CAP_SUBGROUP_SHUFFLE), with fh_subgroup_size(),
 *   fh_subgroup_lane() and fh_subgroup_id() (the subgroup's index in the
 *   block): a subgroup may be a single thread (the CPU device).
 * - Helper functions: `FH_INLINE float square(float x) { return x * x; }`.
 *   GLSL passes arrays by value: helpers take scalars and pointers.
 *
 * What FH_KERNEL(name, ARGS) defines per target:
 *   SPIR-V: the GLCompute entry point (named "main" by glslc; the build tool
 *     renames it `name`), a push-constant block or argument-buffer reference
 *     (FH_ARGS_IN_BUFFER), LocalSizeId from specialization constants 0..2.
 *   Native CPU: the exported kernel `name` and its `name__fh_meta`
 *     (flaghal_cpu_kernel.h), whose per-block function runs the block's
 *     threads (kernel/native_cpu_threads.h).
 */
#ifndef FLAGHAL_KERNEL_H_
#define FLAGHAL_KERNEL_H_

/* Parameters of at most this many bytes travel inline, in push constants on
 * SPIR-V (docs/kernels.md); longer ones through an argument buffer. */
#define FH_KERNEL_INLINE_ARGS_BYTES 120

#if defined(VULKAN)
#include "kernel/target_spirv.h"
#elif defined(__OPENCL_C_VERSION__)
#include "kernel/target_opencl.h"
#elif defined(__CUDA__) && defined(__CUDA_ARCH__)
#include "kernel/target_cuda.h"
#elif defined(__STDC__) && !defined(__cplusplus)
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE 1 /* mmap, MAP_ANONYMOUS and sysconf under -std=c11 */
#endif
#include "kernel/target_native_cpu.h"
#else
#error "flaghal_kernel.h: no FlagHAL kernel target for this compiler (glslc for SPIR-V, a C11 compiler for native CPU, clang -x cuda --cuda-device-only for PTX)"
#endif

#endif /* FLAGHAL_KERNEL_H_ */
