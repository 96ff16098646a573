// args_probe (docs/kernels.md): echoes the argument blob. The push constant
// block is declared for a 128-byte blob (Vulkan's guaranteed
// maxPushConstantsSize): tail holds (128 - 36) / 4 = 23 words. (Sizing it by
// specialization constant 4, FH_MAX_ARGS_BYTES, works on lavapipe but the
// validation layer 1.3.239 misreads such an array: VUID-...-layout-00703.)
#version 450
#extension GL_EXT_buffer_reference : require
#extension GL_EXT_scalar_block_layout : require
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
// FlagHAL SPIR-V kernel convention (docs/vulkan.md): block size from
// specialization constants 0..2, the argument blob as a scalar-layout push
// constant block, device addresses as buffer references.
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;
layout(buffer_reference, scalar, buffer_reference_align = 8) buffer U64s { uint64_t v[]; };
layout(push_constant, scalar) uniform Args {
    uint a_u32;       // 0 (then 4 bytes padding: scalar layout aligns uint64_t to 8)
    uint64_t b_u64;   // 8
    float c_f32;      // 16
    uint tail_count;  // 20
    U64s out_;        // 24
    uint d_u32;       // 32
    uint tail[23];    // 36
} args;

void main() {
    if (gl_GlobalInvocationID == uvec3(0)) {
        uint sum = 0;
        for (uint k = 0; k < min(args.tail_count, 23u); ++k) {
            sum += args.tail[k];
        }
        args.out_.v[0] = uint64_t(args.a_u32);
        args.out_.v[1] = args.b_u64;
        args.out_.v[2] = uint64_t(floatBitsToUint(args.c_f32 * 2.0));
        args.out_.v[3] = uint64_t(args.d_u32);
        args.out_.v[4] = uint64_t(sum);
    }
}
