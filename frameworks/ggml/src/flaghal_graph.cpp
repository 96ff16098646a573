// graph_compute and supports_op share one function, fhg_node: with a stream
// it enqueues the node's operator, without one it calls the operator's
// Supported entry point with the very same descriptors. So supports_op says
// yes exactly when graph_compute would launch, and everything else falls
// back to ggml's CPU backend, op by op, through ggml's scheduler.
//
// ggml op -> flaghal_ops.h call:
//   NONE VIEW RESHAPE PERMUTE TRANSPOSE   nothing (descriptors only)
//   GET_ROWS       fhopsGetRows(dst, src0, rows = src1)
//   SET_ROWS       fhopsSetRows(dst, src = src0, rows = src1)
//   ADD MUL        fhopsAdd / fhopsMul(dst, src0, src1)
//   SCALE          fhopsScale(scale, bias = op_params f32 0, 1)
//   UNARY SILU     fhopsSilu
//   GLU SWIGLU     fhopsSwiglu(src0, src1 or NULL, swapped = op_params 1)
//   RMS_NORM       fhopsRmsNorm(eps = op_params f32 0)
//   MUL_MAT        fhopsMulMat(dst, src0, src1)
//   SOFT_MAX       fhopsSoftMax(src0, mask = src1; no sinks (src2))
//   ROPE           fhopsRope(src0, pos = src1; no frequency factors (src2))
//   CPY            fhopsCpy(dst = the node (src1's view), src0)
//   CONT DUP       fhopsCpy(dst = the node, src0)
// Every other op, type or parameter: not supported, so the CPU runs it.
#include "flaghal_backend.h"
#include "flaghal_tensor.h"

namespace {

// The descriptors of a node and its first three sources; ok is false when a
// type has no fhops type.
struct node_descs {
    fhops_tensor_t dst{}, src[3]{};
    bool has[3]{};
    bool ok = true;

    explicit node_descs(const ggml_tensor *node) {
        ok = fhg_tensor_desc(node, &dst);
        for (int i = 0; i < 3; i++) {
            if (node->src[i] != nullptr) {
                has[i] = true;
                ok = ok && fhg_tensor_desc(node->src[i], &src[i]);
            }
        }
    }
    const fhops_tensor_t *opt(int i) const { return has[i] ? &src[i] : nullptr; }
};

// Calls fhopsX(ops, stream, args...) or fhopsXSupported(ops, check_args...).
#define RUN_OR_CHECK(fn, run_args, check_args) \
    (stream != nullptr ? fn run_args : fn##Supported check_args)

fh_status_t binary(fhops_context_t ops, fh_stream_t stream, const ggml_tensor *node, const node_descs &d) {
    if (node->op == GGML_OP_ADD) {
        return RUN_OR_CHECK(fhopsAdd, (ops, stream, &d.dst, &d.src[0], &d.src[1]), (ops, &d.dst, &d.src[0], &d.src[1]));
    }
    return RUN_OR_CHECK(fhopsMul, (ops, stream, &d.dst, &d.src[0], &d.src[1]), (ops, &d.dst, &d.src[0], &d.src[1]));
}

} // namespace

bool fhg_node_is_view(const ggml_tensor *node) {
    switch (node->op) {
    case GGML_OP_NONE:
    case GGML_OP_VIEW:
    case GGML_OP_RESHAPE:
    case GGML_OP_PERMUTE:
    case GGML_OP_TRANSPOSE:
        return true;
    default:
        return false;
    }
}

fh_status_t fhg_node(fhops_context_t ops, fh_stream_t stream, const ggml_tensor *node) {
    if (fhg_node_is_view(node)) {
        return FH_SUCCESS;
    }
    const node_descs d(node);
    if (!d.ok) {
        return FH_ERROR_NOT_SUPPORTED;
    }
    switch (node->op) {
    case GGML_OP_GET_ROWS:
        return RUN_OR_CHECK(fhopsGetRows, (ops, stream, &d.dst, &d.src[0], &d.src[1]), (ops, &d.dst, &d.src[0], &d.src[1]));
    case GGML_OP_SET_ROWS:
        return RUN_OR_CHECK(fhopsSetRows, (ops, stream, &d.dst, &d.src[0], &d.src[1]), (ops, &d.dst, &d.src[0], &d.src[1]));
    case GGML_OP_ADD:
    case GGML_OP_MUL:
        return d.has[2] ? FH_ERROR_NOT_SUPPORTED : binary(ops, stream, node, d);
    case GGML_OP_SCALE: {
        const float scale = fhg_op_param_f32(node, 0), bias = fhg_op_param_f32(node, 1);
        return RUN_OR_CHECK(fhopsScale, (ops, stream, &d.dst, &d.src[0], scale, bias), (ops, &d.dst, &d.src[0]));
    }
    case GGML_OP_UNARY:
        if (ggml_get_unary_op(node) != GGML_UNARY_OP_SILU) {
            return FH_ERROR_NOT_SUPPORTED;
        }
        return RUN_OR_CHECK(fhopsSilu, (ops, stream, &d.dst, &d.src[0]), (ops, &d.dst, &d.src[0]));
    case GGML_OP_GLU: {
        if (ggml_get_glu_op(node) != GGML_GLU_OP_SWIGLU) {
            return FH_ERROR_NOT_SUPPORTED;
        }
        const int32_t swapped = fhg_op_param_i32(node, 1);
        return RUN_OR_CHECK(fhopsSwiglu, (ops, stream, &d.dst, &d.src[0], d.opt(1), swapped),
                            (ops, &d.dst, &d.src[0], d.opt(1)));
    }
    case GGML_OP_RMS_NORM: {
        const float eps = fhg_op_param_f32(node, 0);
        return RUN_OR_CHECK(fhopsRmsNorm, (ops, stream, &d.dst, &d.src[0], eps), (ops, &d.dst, &d.src[0]));
    }
    case GGML_OP_MUL_MAT:
        return RUN_OR_CHECK(fhopsMulMat, (ops, stream, &d.dst, &d.src[0], &d.src[1]), (ops, &d.dst, &d.src[0], &d.src[1]));
    case GGML_OP_SOFT_MAX: {
        if (d.has[2]) {
            return FH_ERROR_NOT_SUPPORTED; // attention sinks
        }
        const fhops_soft_max_params_t p = fhg_soft_max_params(node);
        return RUN_OR_CHECK(fhopsSoftMax, (ops, stream, &d.dst, &d.src[0], d.opt(1), &p),
                            (ops, &d.dst, &d.src[0], d.opt(1), &p));
    }
    case GGML_OP_ROPE: {
        if (d.has[2]) {
            return FH_ERROR_NOT_SUPPORTED; // frequency factors
        }
        const fhops_rope_params_t p = fhg_rope_params(node);
        return RUN_OR_CHECK(fhopsRope, (ops, stream, &d.dst, &d.src[0], &d.src[1], &p),
                            (ops, &d.dst, &d.src[0], &d.src[1], &p));
    }
    case GGML_OP_CPY:
    case GGML_OP_CONT:
    case GGML_OP_DUP:
        return RUN_OR_CHECK(fhopsCpy, (ops, stream, &d.dst, &d.src[0]), (ops, &d.dst, &d.src[0]));
    default:
        return FH_ERROR_NOT_SUPPORTED;
    }
}
