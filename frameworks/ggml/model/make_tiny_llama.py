#!/usr/bin/env python3
"""Writes a tiny llama-architecture GGUF with random weights, deterministically.

The demonstration model of scripts/llama-demo.sh: no download, no training.
Same arguments give the same bytes (numpy's PCG64 with a fixed seed, and the
gguf package pinned in requirements.txt).

Shape (chosen so every llama graph op runs, small enough for CI):
  vocab 259 (SentencePiece-style: <unk> <s> </s> and the 256 byte tokens),
  n_embd 64, 2 layers, 4 query heads over 2 KV heads (grouped-query
  attention, so mul_mat broadcasts), head_dim 16, feed-forward 128,
  context 256. Every dimension a q8_0 tensor reduces over is a multiple of 32.

Weights are N(0, 1/fan_in) so activations stay O(1) and logits are spread
(top-2 gaps well above rounding, so greedy decoding is a meaningful check).

--type f32 stores every tensor f32; --type q8_0 stores the 2-D matrices as
ggml's Q8_0 (the gguf package's quantizer) and the norms f32, as llama.cpp's
own quantizer does.
"""
import argparse
import sys

import numpy as np
import gguf

N_VOCAB = 259
N_EMBD = 64
N_LAYER = 2
N_HEAD = 4
N_HEAD_KV = 2
N_FF = 128
N_CTX = 256
HEAD_DIM = N_EMBD // N_HEAD


def vocab():
    tokens = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)]
    types = [gguf.TokenType.UNKNOWN, gguf.TokenType.CONTROL, gguf.TokenType.CONTROL]
    types += [gguf.TokenType.BYTE] * 256
    return tokens, [0.0] * len(tokens), [int(t) for t in types]


def tensors(rng):
    """(name, numpy array in ggml's reversed shape order, is_matrix)."""

    def mat(rows, cols):  # ggml ne = [cols, rows]: cols is the reduced dimension
        return rng.standard_normal((rows, cols), dtype=np.float32) / np.float32(np.sqrt(cols))

    def norm(n):
        return (1.0 + 0.1 * rng.standard_normal(n, dtype=np.float32)).astype(np.float32)

    out = [("token_embd.weight", rng.standard_normal((N_VOCAB, N_EMBD), dtype=np.float32), True)]
    for i in range(N_LAYER):
        kv = N_HEAD_KV * HEAD_DIM
        out += [
            (f"blk.{i}.attn_norm.weight", norm(N_EMBD), False),
            (f"blk.{i}.attn_q.weight", mat(N_EMBD, N_EMBD), True),
            (f"blk.{i}.attn_k.weight", mat(kv, N_EMBD), True),
            (f"blk.{i}.attn_v.weight", mat(kv, N_EMBD), True),
            (f"blk.{i}.attn_output.weight", mat(N_EMBD, N_EMBD), True),
            (f"blk.{i}.ffn_norm.weight", norm(N_EMBD), False),
            (f"blk.{i}.ffn_gate.weight", mat(N_FF, N_EMBD), True),
            (f"blk.{i}.ffn_up.weight", mat(N_FF, N_EMBD), True),
            (f"blk.{i}.ffn_down.weight", mat(N_EMBD, N_FF), True),
        ]
    out += [
        ("output_norm.weight", norm(N_EMBD), False),
        ("output.weight", 4.0 * mat(N_VOCAB, N_EMBD), True),
    ]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--type", choices=["f32", "q8_0"], required=True)
    ap.add_argument("--seed", type=int, default=20261203)
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args()

    rng = np.random.Generator(np.random.PCG64(args.seed))
    w = gguf.GGUFWriter(args.output, "llama")
    w.add_name(f"flaghal-tiny-llama-{args.type}")
    w.add_context_length(N_CTX)
    w.add_embedding_length(N_EMBD)
    w.add_block_count(N_LAYER)
    w.add_feed_forward_length(N_FF)
    w.add_head_count(N_HEAD)
    w.add_head_count_kv(N_HEAD_KV)
    w.add_rope_dimension_count(HEAD_DIM)
    w.add_rope_freq_base(10000.0)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_vocab_size(N_VOCAB)
    q8 = args.type == "q8_0"
    w.add_file_type(gguf.LlamaFileType.MOSTLY_Q8_0 if q8 else gguf.LlamaFileType.ALL_F32)

    tokens, scores, types = vocab()
    w.add_tokenizer_model("llama")
    w.add_tokenizer_pre("default")
    w.add_token_list(tokens)
    w.add_token_scores(scores)
    w.add_token_types(types)
    w.add_unk_token_id(0)
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_add_bos_token(True)

    qtype = gguf.GGMLQuantizationType.Q8_0
    for name, data, is_matrix in tensors(rng):
        if q8 and is_matrix:
            w.add_tensor(name, gguf.quants.quantize(data, qtype), raw_dtype=qtype)
        else:
            w.add_tensor(name, data)

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
