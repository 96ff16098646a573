/*
 * OpenCL C kernels of the plugin's own tests, written by hand to the FlagHAL
 * OpenCL convention (docs/kernels.md, "FH_MODULE_FORMAT_OPENCL_C"): argument
 * 0 is a copy of the argument blob, cast to the kernel's parameter struct;
 * device addresses in it are 64-bit SVM pointers; an optional argument 1 is
 * the launch's dynamic local memory, and an optional argument 2 its size.
 * Block = local size, grid = groups. One translation unit.
 */

#define GLOBAL_ID_X (get_group_id(0) * get_local_size(0) + get_local_id(0))

/* fill_u32: dst[i] = value for i < count. */
typedef struct { ulong dst; uint value; uint count; } fill_args;
__kernel void fill_u32(__global const uchar *blob) {
    __global const fill_args *args = (__global const fill_args *)blob;
    __global uint *dst = (__global uint *)args->dst;
    uint i = GLOBAL_ID_X;
    if (i < args->count) dst[i] = args->value;
}

/* index_3d: dst[(z*sy+y)*sx+x] = x | y << 10 | z << 20 inside the sizes. */
typedef struct { ulong dst; uint sx, sy, sz; } index_args;
__kernel void index_3d(__global const uchar *blob) {
    __global const index_args *args = (__global const index_args *)blob;
    __global uint *dst = (__global uint *)args->dst;
    uint x = get_group_id(0) * get_local_size(0) + get_local_id(0);
    uint y = get_group_id(1) * get_local_size(1) + get_local_id(1);
    uint z = get_group_id(2) * get_local_size(2) + get_local_id(2);
    if (x < args->sx && y < args->sy && z < args->sz) dst[(z * args->sy + y) * args->sx + x] = x | (y << 10) | (z << 20);
}

/* probe: thread 0 writes the fields of a mixed blob back. The test passes
 * 36 bytes (the struct and a tail word): the copy is zero-padded to 48,
 * so out[4] is the tail word and out[5] the OR of the 12 padding bytes. */
typedef struct { uint a; ulong b; float c; uint d; ulong out; } probe_args;
__kernel void probe(__global const uchar *blob) {
    __global const probe_args *args = (__global const probe_args *)blob;
    if (get_global_id(0) != 0) return;
    __global ulong *out = (__global ulong *)args->out;
    __global const uint *words = (__global const uint *)blob;
    out[0] = args->a;
    out[1] = args->b;
    out[2] = as_uint(args->c * 2.0f);
    out[3] = args->d;
    out[4] = words[8];
    out[5] = words[9] | words[10] | words[11];
}

/* wide: 512 bytes of parameters (more than Vulkan's push constants). */
typedef struct { ulong dst; uint words[126]; } wide_args;
__kernel void wide(__global const uchar *blob) {
    __global const wide_args *args = (__global const wide_args *)blob;
    __global uint *dst = (__global uint *)args->dst;
    uint i = GLOBAL_ID_X;
    if (i < 126u) dst[i] = args->words[i] * 3u + i;
}

/* reduce: per-group sum in dynamic local memory with barriers. */
typedef struct { ulong src; ulong dst; uint n; } reduce_args;
__kernel void reduce(__global const uchar *blob, __local uchar *shared) {
    __global const reduce_args *args = (__global const reduce_args *)blob;
    __global const uint *src = (__global const uint *)args->src;
    __global uint *dst = (__global uint *)args->dst;
    __local uint *partial = (__local uint *)shared;
    uint t = get_local_id(0);
    uint i = GLOBAL_ID_X;
    partial[t] = i < args->n ? src[i] : 0u;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint stride = get_local_size(0) / 2u; stride > 0u; stride >>= 1u) {
        if (t < stride) partial[t] += partial[t + stride];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (t == 0u) dst[get_group_id(0)] = partial[0];
}

/* local_size: the three-parameter form; thread 0 writes the size of its
 * dynamic local memory as the third parameter gives it and as it measures
 * it (the last byte it can write and read back). */
__kernel void local_size(__global const uchar *blob, __local uchar *shared, uint shared_bytes) {
    __global uint *out = (__global uint *)((__global const ulong *)blob)[0];
    if (get_local_id(0) == 0) {
        shared[shared_bytes - 1u] = (uchar)0x5A;
        out[0] = shared_bytes;
        out[1] = shared[shared_bytes - 1u];
    }
}

/* static_local: 1 KiB of static __local memory (FH_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES). */
__kernel void static_local(__global const uchar *blob) {
    __local uint tile[256];
    __global uint *dst = (__global uint *)((__global const ulong *)blob)[0];
    uint t = get_local_id(0);
    tile[t] = t * 2u;
    barrier(CLK_LOCAL_MEM_FENCE);
    dst[t] = tile[255u - t];
}

/* spin: thread 0 steps x = x * 1664525 + 1013904223 `iterations` times
 * from `seed` and writes x: keeps a stream busy for a known result. */
typedef struct { ulong dst; ulong iterations; uint seed; } spin_args;
__kernel void spin(__global const uchar *blob) {
    __global const spin_args *args = (__global const spin_args *)blob;
    if (get_global_id(0) != 0) return;
    uint x = args->seed;
    for (ulong k = 0; k < args->iterations; ++k) x = x * 1664525u + 1013904223u;
    *(__global uint *)args->dst = x;
}

/* atomic_count: every thread adds 1 to counters[t % n] (64-bit atomics). */
#pragma OPENCL EXTENSION cl_khr_int64_base_atomics : enable
typedef struct { ulong counters; uint n; } count_args;
__kernel void atomic_count(__global const uchar *blob) {
    __global const count_args *args = (__global const count_args *)blob;
    __global ulong *counters = (__global ulong *)args->counters;
    atom_add(&counters[get_global_id(0) % args->n], 1ul);
}
