// ggml tensor -> fhops_tensor_t mapping (flaghal_tensor.h).
#include "flaghal_tensor.h"

#include <cstring>

static bool map_type(ggml_type type, fhops_type_t *out) {
    switch (type) {
    case GGML_TYPE_F32: *out = FHOPS_TYPE_F32; return true;
    case GGML_TYPE_F16: *out = FHOPS_TYPE_F16; return true;
    case GGML_TYPE_Q8_0: *out = FHOPS_TYPE_Q8_0; return true;
    case GGML_TYPE_I32: *out = FHOPS_TYPE_I32; return true;
    case GGML_TYPE_I64: *out = FHOPS_TYPE_I64; return true;
    default: return false;
    }
}

bool fhg_tensor_desc(const ggml_tensor *t, fhops_tensor_t *out) {
    fhops_tensor_t d{};
    if (!map_type(t->type, &d.type)) {
        return false;
    }
    d.data = static_cast<fh_deviceptr_t>(reinterpret_cast<uintptr_t>(t->data));
    for (int i = 0; i < 4; i++) {
        d.ne[i] = t->ne[i];
        d.nb[i] = t->nb[i];
    }
    *out = d;
    return true;
}

float fhg_op_param_f32(const ggml_tensor *node, int index) {
    float v;
    std::memcpy(&v, &node->op_params[index], sizeof v);
    return v;
}

int32_t fhg_op_param_i32(const ggml_tensor *node, int index) {
    return node->op_params[index];
}

// ggml_rope_impl's op_params: n_past (unused), n_dims, mode, n_ctx (unused),
// n_ctx_orig, then floats freq_base, freq_scale, ext_factor, attn_factor,
// beta_fast, beta_slow.
fhops_rope_params_t fhg_rope_params(const ggml_tensor *rope) {
    fhops_rope_params_t p{};
    p.n_dims = fhg_op_param_i32(rope, 1);
    p.mode = fhg_op_param_i32(rope, 2);
    p.n_ctx_orig = fhg_op_param_i32(rope, 4);
    p.freq_base = fhg_op_param_f32(rope, 5);
    p.freq_scale = fhg_op_param_f32(rope, 6);
    p.ext_factor = fhg_op_param_f32(rope, 7);
    p.attn_factor = fhg_op_param_f32(rope, 8);
    p.beta_fast = fhg_op_param_f32(rope, 9);
    p.beta_slow = fhg_op_param_f32(rope, 10);
    return p;
}

// ggml_soft_max_impl's op_params: scale, max_bias.
fhops_soft_max_params_t fhg_soft_max_params(const ggml_tensor *soft_max) {
    fhops_soft_max_params_t p{};
    p.scale = fhg_op_param_f32(soft_max, 0);
    p.max_bias = fhg_op_param_f32(soft_max, 1);
    return p;
}
