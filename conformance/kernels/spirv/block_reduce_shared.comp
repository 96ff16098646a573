// block_reduce_shared (docs/kernels.md): per-block tree sum in dynamic shared
// memory. Specialization constant 3 is the launch's dynamic shared memory in
// bytes (docs/vulkan.md); a launch with less than 4 * block_x bytes writes nothing.
#version 450
#extension GL_EXT_buffer_reference : require
#extension GL_EXT_scalar_block_layout : require
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
// FlagHAL SPIR-V kernel convention (docs/vulkan.md): block size from
// specialization constants 0..2, the argument blob as a scalar-layout push
// constant block, device addresses as buffer references.
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;
layout(constant_id = 3) const uint FH_SHARED_BYTES = 16;
shared uint partial[FH_SHARED_BYTES / 4];
layout(buffer_reference, scalar, buffer_reference_align = 4) buffer U32s { uint v[]; };
layout(push_constant, scalar) uniform Args {
    U32s in_;   // 0
    U32s out_;  // 8
    uint n;     // 16
} args;

void main() {
    if (FH_SHARED_BYTES / 4 < gl_WorkGroupSize.x) {
        return;
    }
    uint t = gl_LocalInvocationID.x;
    uint i = gl_WorkGroupID.x * gl_WorkGroupSize.x + t;
    partial[t] = i < args.n ? args.in_.v[i] : 0u;
    barrier();
    for (uint s = gl_WorkGroupSize.x / 2; s > 0; s >>= 1) {
        if (t < s) {
            partial[t] += partial[t + s];
        }
        barrier();
    }
    if (t == 0) {
        args.out_.v[gl_WorkGroupID.x] = partial[0];
    }
}
