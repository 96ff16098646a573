// fill_u32 (docs/kernels.md): dst[i] = value for every global thread id i < count.
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
    U32s dst;    // 0
    uint value;  // 8
    uint count;  // 12
} args;

void main() {
    uint i = gl_GlobalInvocationID.x;
    if (i < args.count) {
        args.dst.v[i] = args.value;
    }
}
