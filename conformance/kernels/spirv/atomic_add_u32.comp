// atomic_add_u32 (docs/kernels.md): every thread adds value to
// counters[t % n_counters] iterations times (t = linear thread id).
#version 450
#extension GL_EXT_buffer_reference : require
#extension GL_EXT_scalar_block_layout : require
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
// FlagHAL SPIR-V kernel convention (docs/vulkan.md): block size from
// specialization constants 0..2, the argument blob as a scalar-layout push
// constant block, device addresses as buffer references.
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;

layout(buffer_reference, scalar, buffer_reference_align = 4) buffer Counters { uint v[]; };
layout(push_constant, scalar) uniform Args {
    Counters counters;  // 0
    uint n_counters;    // 8
    uint iterations;    // 12
    uint value;  // 16
} args;

void main() {
    uvec3 g = gl_GlobalInvocationID;
    uvec3 size = gl_NumWorkGroups * gl_WorkGroupSize;
    uint t = (g.z * size.y + g.y) * size.x + g.x;
    uint slot = t % args.n_counters;
    for (uint k = 0; k < args.iterations; ++k) {
        atomicAdd(args.counters.v[slot], args.value);
    }
}
