// spin (docs/kernels.md): thread 0 of block 0 runs iterations steps of the LCG
// x = x * 1664525 + 1013904223 from seed and writes out[0] = x.
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

void main() {
    if (gl_GlobalInvocationID == uvec3(0)) {
        uint x = args.seed;
        for (uint64_t k = 0; k < args.iterations; ++k) {
            x = x * 1664525u + 1013904223u;
        }
        args.out_.v[0] = x;
    }
}
