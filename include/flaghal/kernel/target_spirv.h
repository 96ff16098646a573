/*
 * flaghal/kernel/target_spirv.h - FlagHAL kernel language, SPIR-V target.
 *
 * Included by flaghal_kernel.h when the source is compiled as a GLSL compute
 * shader for Vulkan (glslc defines VULKAN). It maps the language onto GLSL
 * 4.60 and the FlagHAL SPIR-V kernel convention (docs/kernels.md):
 *
 *   block size             specialization constants 0, 1, 2 (LocalSizeId)
 *   dynamic shared memory  specialization constant 3, in bytes
 *   max_kernel_args_size   specialization constant 4
 *   argument blob          push-constant bytes [0, 120): the blob's first
 *                          bytes, scalar layout, zero past its end;
 *                          bytes [120, 128): a PhysicalStorageBuffer address
 *                          of the whole blob when it is longer than 120
 *                          bytes, else 0.
 *
 * FH_ARGS_IN_BUFFER (defined by the build tool, `flaghal-kernel`) selects how
 * FH_KERNEL reads its parameters: 0 from the push constants, 1 through the
 * address. The tool sets it from the size of the parameter struct: 1 when it
 * is above FH_KERNEL_INLINE_ARGS_BYTES.
 *
 * GLSL has no sizeof, no typedef and no pointers: the language's pointer
 * types are buffer references to a one-member block, so p[i].v is element i.
 */
#ifndef FLAGHAL_KERNEL_TARGET_SPIRV_H_
#define FLAGHAL_KERNEL_TARGET_SPIRV_H_

#extension GL_EXT_buffer_reference : require
#extension GL_EXT_buffer_reference2 : require
#extension GL_EXT_scalar_block_layout : require
#extension GL_EXT_shader_explicit_arithmetic_types : require
#extension GL_EXT_control_flow_attributes : enable
#extension GL_EXT_shader_atomic_float : enable
#extension GL_EXT_shader_atomic_int64 : enable
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : enable
#extension GL_EXT_shader_16bit_storage : enable
#extension GL_EXT_shader_8bit_storage : enable
#extension GL_KHR_shader_subgroup_basic : enable
#extension GL_KHR_shader_subgroup_arithmetic : enable
#extension GL_KHR_shader_subgroup_ballot : enable
#extension GL_KHR_shader_subgroup_shuffle : enable

#define FH_KERNEL_TARGET_SPIRV 1
#define FH_KERNEL_HAS_FLOAT64 1
#define FH_KERNEL_HAS_FLOAT16 1

#ifndef FH_ARGS_IN_BUFFER
#define FH_ARGS_IN_BUFFER 0
#endif

/* ---- Pointers ---------------------------------------------------------- */

#define FH_DEFINE_POINTER(NAME, CNAME, T, ALIGN)                                                   \
    layout(buffer_reference, scalar, buffer_reference_align = ALIGN) buffer NAME { T v; };        \
    layout(buffer_reference, scalar, buffer_reference_align = ALIGN) readonly buffer CNAME { T v; }

#include "pointer_types.h"

/* A pointer of type T from a device address, and back. */
#define fh_ptr(T, address) T(address)
#define fh_address(p) uint64_t(p)

/* ---- Declarations ------------------------------------------------------ */

#define FH_STRUCT(NAME) struct NAME
#define FH_SHARED shared
#define FH_INLINE

/* ---- Thread indices ---------------------------------------------------- */

#define threadIdx gl_LocalInvocationID
#define blockIdx gl_WorkGroupID
#define blockDim gl_WorkGroupSize
#define gridDim gl_NumWorkGroups
#define fh_subgroup_size() gl_SubgroupSize
#define fh_subgroup_lane() gl_SubgroupInvocationID
#define fh_subgroup_id() gl_SubgroupID

/* ---- Synchronisation --------------------------------------------------- */

/* __syncthreads: every thread of the block arrives, and the block's shared
 * and device memory writes before it are visible to the block after it. */
#define fh_barrier()                                                                               \
    memoryBarrierShared();                                                                         \
    memoryBarrierBuffer();                                                                         \
    barrier()

/* ---- Specialization constants of the convention ------------------------ */

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;
layout(constant_id = 3) const uint32_t fh_dynamic_shared_bytes = 16u;
layout(constant_id = 4) const uint32_t fh_max_kernel_args_size = 128u;

#define FH_SIZEOF_float 4u
#define FH_SIZEOF_double 8u
#define FH_SIZEOF_float16_t 2u
#define FH_SIZEOF_uint8_t 1u
#define FH_SIZEOF_int8_t 1u
#define FH_SIZEOF_uint16_t 2u
#define FH_SIZEOF_int16_t 2u
#define FH_SIZEOF_uint32_t 4u
#define FH_SIZEOF_int32_t 4u
#define FH_SIZEOF_uint 4u
#define FH_SIZEOF_int 4u
#define FH_SIZEOF_uint64_t 8u
#define FH_SIZEOF_int64_t 8u
#define FH_KERNEL_CAT_(A, B) A##B
#define FH_KERNEL_CAT(A, B) FH_KERNEL_CAT_(A, B)

/* Bytes of dynamic shared memory: the launch's, rounded up to 16, >= 16. */
#define fh_dynamic_shared_size() fh_dynamic_shared_bytes

/* An array of T over the launch's dynamic shared memory (T a scalar type). */
#define FH_DYNAMIC_SHARED(T, NAME) shared T NAME[fh_dynamic_shared_bytes / FH_KERNEL_CAT(FH_SIZEOF_, T)]

/* ---- Portable functions of the language -------------------------------- */

/* Dot product of the four signed 8-bit lanes of a and b (dp4a). */
int32_t fh_dot_packed_4x8(uint32_t a, uint32_t b) {
    int32_t sum = 0;
    [[unroll]] for (int lane = 0; lane < 4; ++lane) {
        sum += bitfieldExtract(int32_t(a), lane * 8, 8) * bitfieldExtract(int32_t(b), lane * 8, 8);
    }
    return sum;
}

/* ---- Kernels ----------------------------------------------------------- */

/* The kernel body reads its parameters in place as `args`: from the push
 * constants, or through the argument buffer's address. */
#if FH_ARGS_IN_BUFFER
#define args fh_args_address.value
#define FH_KERNEL(NAME, ARGS)                                                                      \
    layout(buffer_reference, scalar, buffer_reference_align = 8) readonly buffer fh_args_ref {    \
        ARGS value;                                                                                \
    };                                                                                             \
    layout(push_constant, scalar) uniform fh_push_block {                                          \
        layout(offset = 120) fh_args_ref fh_args_address;                                          \
    };                                                                                             \
    void main()
#else
#define args fh_inline_args
#define FH_KERNEL(NAME, ARGS)                                                                      \
    layout(push_constant, scalar) uniform fh_push_block { ARGS fh_inline_args; };                  \
    void main()
#endif

/* A kernel that reads its blob as 32-bit words (variable-length blobs). */
#define FH_KERNEL_RAW(NAME)                                                                        \
    layout(push_constant, scalar) uniform fh_push_block {                                          \
        uint32_t fh_inline_words[30];                                                              \
        u32_cptr fh_args_words;                                                                    \
    };                                                                                             \
    uint32_t fh_args_u32(uint32_t word) {                                                          \
        if (uint64_t(fh_args_words) != 0ul) return fh_args_words[word].v;                          \
        return word < 30u ? fh_inline_words[word] : 0u;                                            \
    }                                                                                              \
    void main()

#endif /* FLAGHAL_KERNEL_TARGET_SPIRV_H_ */
