// scale_index_3d (docs/kernels.md): out[(gz*size_y+gy)*size_x+gx] = (gx | gy<<10 | gz<<20) ^ tag.
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
    U32s out_;    // 0
    uint size_x;  // 8
    uint size_y;  // 12
    uint size_z;  // 16
    uint tag;     // 20
} args;

void main() {
    uvec3 g = gl_GlobalInvocationID;
    if (g.x < args.size_x && g.y < args.size_y && g.z < args.size_z) {
        args.out_.v[(g.z * args.size_y + g.y) * args.size_x + g.x] = (g.x | (g.y << 10) | (g.z << 20)) ^ args.tag;
    }
}
