// spin (docs/kernels.md): thread 0 of block 0 runs iterations steps of the LCG
// x = x * 1664525 + 1013904223 from seed and writes out[0] = x.
// lavapipe (llvmpipe) stops a shader invocation after 65535 loop iterations in
// total, so the steps are unrolled 1024 per iteration (at most ~66 million
// steps on lavapipe), with the constants made opaque to the compiler
// (min(gl_NumWorkGroups.x, 1) is 1 in every launch) so it cannot merge steps.
#version 450
#extension GL_EXT_buffer_reference : require
#extension GL_EXT_scalar_block_layout : require
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
// FlagHAL SPIR-V kernel convention (docs/vulkan.md): block size from
// specialization constants 0..2, the argument blob as a scalar-layout push
// constant block, device addresses as buffer references.
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;
layout(buffer_reference, scalar, buffer_reference_align = 4) buffer U32s { uint v[]; };
layout(push_constant, scalar) uniform Args {
    U32s out_;            // 0
    uint64_t iterations;  // 8
    uint seed;            // 16
} args;

#define STEP x = x * a + c;
#define STEP8 STEP STEP STEP STEP STEP STEP STEP STEP
#define STEP64 STEP8 STEP8 STEP8 STEP8 STEP8 STEP8 STEP8 STEP8
#define STEP512 STEP64 STEP64 STEP64 STEP64 STEP64 STEP64 STEP64 STEP64
#define STEP1024 STEP512 STEP512

void main() {
    if (gl_GlobalInvocationID == uvec3(0)) {
        uint one = min(gl_NumWorkGroups.x, 1u);
        uint a = 1664525u * one;
        uint c = 1013904223u * one;
        uint x = args.seed;
        uint64_t remaining = args.iterations;
        while (remaining >= 1024) {
            STEP1024
            remaining -= 1024;
        }
        for (uint k = 0; k < uint(remaining); ++k) {
            STEP
        }
        args.out_.v[0] = x;
    }
}
