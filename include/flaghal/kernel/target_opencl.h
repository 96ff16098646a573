/*
 * flaghal/kernel/target_opencl.h - FlagHAL kernel language, OpenCL C target.
 *
 * Not compiled by an OpenCL compiler directly: flaghal-kernel runs the host C
 * preprocessor over a kernel source with __OPENCL_C_VERSION__ defined, which
 * selects this file, and writes opencl_prologue.cl followed by the expanded
 * source as an FH_MODULE_FORMAT_OPENCL_C image. Two things OpenCL C does
 * not allow are fixed up by the tool after preprocessing, guided by markers
 * this file emits:
 *   - __local variables exist only in kernel scope: file-scope FH_SHARED and
 *     FH_DYNAMIC_SHARED declarations (fh_opencl_hoist_shared,
 *     fh_opencl_hoist_dynamic) move to the start of the kernel body;
 *   - the kernel body gets its `args`, read from the blob, at its start.
 *
 * The kernel convention is docs/kernels.md's "FH_MODULE_FORMAT_OPENCL_C":
 *   __kernel void NAME(__global const uchar *blob, __local uchar *shared,
 *                      uint shared_bytes)
 */
#ifndef FLAGHAL_KERNEL_TARGET_OPENCL_H_
#define FLAGHAL_KERNEL_TARGET_OPENCL_H_

#define FH_KERNEL_TARGET_OPENCL 1

/* ---- Pointers (f16 and f64 come from the prologue, where the device has them) */

#define FH_DEFINE_POINTER(NAME, CNAME, T, ALIGN)                                                   \
    typedef struct NAME##_element {                                                                \
        T v;                                                                                       \
    } NAME##_element;                                                                              \
    typedef __global NAME##_element *NAME;                                                         \
    typedef __global const NAME##_element *CNAME

#include "pointer_types.h"

#define fh_ptr(T, address) ((T)(address))
#define fh_address(p) ((ulong)(p))

/* ---- Declarations ------------------------------------------------------ */

#define FH_STRUCT(NAME)                                                                            \
    typedef struct NAME NAME;                                                                      \
    struct NAME
#define FH_SHARED fh_opencl_hoist_shared
#define FH_DYNAMIC_SHARED(T, NAME) fh_opencl_hoist_dynamic T NAME
#define FH_INLINE static inline

/* ---- Thread indices ---------------------------------------------------- */

#define threadIdx ((uint3)((uint)get_local_id(0), (uint)get_local_id(1), (uint)get_local_id(2)))
#define blockIdx ((uint3)((uint)get_group_id(0), (uint)get_group_id(1), (uint)get_group_id(2)))
#define blockDim ((uint3)((uint)get_local_size(0), (uint)get_local_size(1), (uint)get_local_size(2)))
#define gridDim ((uint3)((uint)get_num_groups(0), (uint)get_num_groups(1), (uint)get_num_groups(2)))
#define fh_subgroup_size() get_sub_group_size()
#define fh_subgroup_lane() get_sub_group_local_id()
#define fh_subgroup_id() get_sub_group_id()

#define fh_barrier() barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE)
#define fh_dynamic_shared_size() fh_dynamic_shared_bytes

/* ---- Kernels ----------------------------------------------------------- */

#define FH_KERNEL(NAME, ARGS)                                                                      \
    __kernel void NAME(__global const uchar *fh_args_blob, __local uchar *fh_dynamic_shared_base,  \
                       uint fh_dynamic_shared_bytes)
#define FH_KERNEL_RAW(NAME) FH_KERNEL(NAME, none)
#define fh_args_u32(word) (((__global const uint *)fh_args_blob)[word])

/* ---- GLSL spellings ---------------------------------------------------- */

#include "constructor_casts.h"

#define abs(x) fh_abs(x)
#define sign(x) fh_sign(x)
#define fract(x) fh_fract(x)
#define mod(x, y) fh_mod((x), (y))
#define inversesqrt(x) rsqrt(x)
#define floatBitsToUint(x) as_uint(x)
#define floatBitsToInt(x) as_int(x)
#define uintBitsToFloat(x) as_float(x)
#define intBitsToFloat(x) as_float(x)

#define atomicAdd(mem, v) fh_atomic_add(&(mem), (v))
#define atomicMin(mem, v) fh_atomic_min(&(mem), (v))
#define atomicMax(mem, v) fh_atomic_max(&(mem), (v))
#define atomicAnd(mem, v) fh_atomic_and(&(mem), (v))
#define atomicOr(mem, v) fh_atomic_or(&(mem), (v))
#define atomicXor(mem, v) fh_atomic_xor(&(mem), (v))
#define atomicExchange(mem, v) fh_atomic_exchange(&(mem), (v))
#define atomicCompSwap(mem, c, v) fh_atomic_compswap(&(mem), (c), (v))

#define subgroupElect() (get_sub_group_local_id() == 0u)
#define subgroupAdd(x) sub_group_reduce_add(x)
#define subgroupMin(x) sub_group_reduce_min(x)
#define subgroupMax(x) sub_group_reduce_max(x)
#define subgroupInclusiveAdd(x) sub_group_scan_inclusive_add(x)
#define subgroupExclusiveAdd(x) sub_group_scan_exclusive_add(x)
#define subgroupBroadcastFirst(x) sub_group_broadcast((x), 0u)
#define subgroupShuffle(x, lane) sub_group_shuffle((x), (lane))
#define subgroupShuffleXor(x, mask) sub_group_shuffle_xor((x), (mask))

#endif /* FLAGHAL_KERNEL_TARGET_OPENCL_H_ */
