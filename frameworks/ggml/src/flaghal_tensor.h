// Pure mapping from ggml's tensors and op parameters to the operator
// library's descriptors (flaghal_ops.h). No FlagHAL calls, no state.
#pragma once

#include <flaghal/flaghal_ops.h>

#include "ggml.h"

// The descriptor of t: its device address (t->data, view offsets included),
// type, ne and nb. False if t's type has no FHOPS_TYPE_* (the caller then
// says "not supported").
bool fhg_tensor_desc(const ggml_tensor *t, fhops_tensor_t *out);

// Op parameters, read from op_params at ggml's offsets.
float fhg_op_param_f32(const ggml_tensor *node, int index);
int32_t fhg_op_param_i32(const ggml_tensor *node, int index);
fhops_rope_params_t fhg_rope_params(const ggml_tensor *rope);
fhops_soft_max_params_t fhg_soft_max_params(const ggml_tensor *soft_max);
