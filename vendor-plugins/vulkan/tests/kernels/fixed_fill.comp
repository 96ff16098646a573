// fixed_fill: fill_u32 with a block size fixed at 64 x 2 x 1 in the shader
// (no specialization constants): launches must use exactly that block.
#version 450
#extension GL_EXT_buffer_reference : require
#extension GL_EXT_scalar_block_layout : require
layout(local_size_x = 64, local_size_y = 2, local_size_z = 1) in;
layout(buffer_reference, scalar, buffer_reference_align = 4) buffer U32s { uint v[]; };
layout(push_constant, scalar) uniform Args {
    U32s dst;    // 0
    uint value;  // 8
    uint count;  // 12
} args;

void main() {
    uint i = gl_GlobalInvocationID.y * 64u * gl_NumWorkGroups.x + gl_GlobalInvocationID.x;
    if (i < args.count) {
        args.dst.v[i] = args.value;
    }
}
