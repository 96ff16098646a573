// saxpy: y[i] = a * x[i] + y[i] for every i < n, as a grid-stride loop so a
// grid of any size covers n (lavapipe allows at most 65535 blocks per axis).
#version 450
#extension GL_EXT_buffer_reference : require
#extension GL_EXT_scalar_block_layout : require
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
// FlagHAL SPIR-V kernel convention (docs/vulkan.md): block size from
// specialization constants 0..2, the argument blob as a scalar-layout push
// constant block, device addresses as buffer references.
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;
layout(buffer_reference, scalar, buffer_reference_align = 4) buffer F32s { float v[]; };
layout(push_constant, scalar) uniform Args {
    F32s x;   // 0
    F32s y;   // 8
    float a;  // 16
    uint n;   // 20
} args;       // sizeof 24

void main() {
    uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint i = gl_GlobalInvocationID.x; i < args.n; i += stride) {
        args.y.v[i] = args.a * args.x.v[i] + args.y.v[i];
    }
}
