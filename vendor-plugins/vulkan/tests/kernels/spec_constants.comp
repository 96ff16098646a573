// spec_constants: thread 0 writes what the plugin specialised: the block size
// (constants 0..2), the dynamic shared memory (3) and max_kernel_args_size (4).
#version 450
#extension GL_EXT_buffer_reference : require
#extension GL_EXT_scalar_block_layout : require
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;
layout(constant_id = 3) const uint FH_SHARED_BYTES = 16;
layout(constant_id = 4) const uint FH_MAX_ARGS_BYTES = 128;
layout(buffer_reference, scalar, buffer_reference_align = 4) buffer U32s { uint v[]; };
layout(push_constant, scalar) uniform Args {
    U32s out_;  // 0
} args;

void main() {
    if (gl_GlobalInvocationID == uvec3(0)) {
        args.out_.v[0] = gl_WorkGroupSize.x;
        args.out_.v[1] = gl_WorkGroupSize.y;
        args.out_.v[2] = gl_WorkGroupSize.z;
        args.out_.v[3] = FH_SHARED_BYTES;
        args.out_.v[4] = FH_MAX_ARGS_BYTES;
    }
}
