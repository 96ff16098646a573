#!/usr/bin/env python3
"""Compares one device's llama-flaghal-demo run with llama.cpp CPU's.

compare.py --cpu CPU.txt CPU.f32 --dev DEV.txt DEV.f32 --threshold T

The .txt files are the driver's stdout ("key: value" lines), the .f32 files
its logits (n_vocab floats per row: the prompt's positions, then one row per
decoded token). The error is the largest absolute difference over the rows
both runs computed from the same tokens: every prompt row, and decode rows up
to and including the first decoded token where the two runs differ (after
that they run different sequences). Prints one tab-separated line:
max_abs_err, identical (yes/no), device tokens/s (prompt, decode), CPU
tokens/s (prompt, decode), and PASS or FAIL; exit status 1 on FAIL (error at
or above the threshold, or tokens not identical).
"""
import argparse
import sys

import numpy as np


def read_run(txt, f32):
    kv = {}
    with open(txt) as f:
        for line in f:
            key, _, value = line.partition(":")
            kv[key.strip()] = value.strip()
    n_vocab = int(kv["n_vocab"])
    logits = np.fromfile(f32, dtype="<f4")
    if logits.size % n_vocab != 0:
        sys.exit(f"compare: {f32} holds {logits.size} floats, not a multiple of n_vocab {n_vocab}")
    return kv, logits.reshape(-1, n_vocab)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cpu", nargs=2, required=True)
    ap.add_argument("--dev", nargs=2, required=True)
    ap.add_argument("--threshold", type=float, required=True)
    args = ap.parse_args()
    cpu, cpu_logits = read_run(*args.cpu)
    dev, dev_logits = read_run(*args.dev)
    if cpu_logits.shape != dev_logits.shape or cpu["n_prompt"] != dev["n_prompt"]:
        sys.exit(f"compare: shapes differ: {cpu_logits.shape} vs {dev_logits.shape}")
    t_cpu = cpu["tokens"].split()
    t_dev = dev["tokens"].split()
    same = t_cpu == t_dev
    first_diff = next((i for i, (a, b) in enumerate(zip(t_cpu, t_dev)) if a != b), len(t_cpu))
    rows = int(cpu["n_prompt"]) + min(first_diff + 1, len(t_cpu))
    diff = np.abs(cpu_logits[:rows].astype(np.float64) - dev_logits[:rows].astype(np.float64))
    err = float(np.nanmax(diff)) if not np.isnan(diff).any() else float("nan")
    ok = same and err == err and err < args.threshold
    print("\t".join([
        f"{err:.3g}", "yes" if same else f"no (first differs at {first_diff})",
        dev["prompt_tokens_per_s"], dev["decode_tokens_per_s"],
        cpu["prompt_tokens_per_s"], cpu["decode_tokens_per_s"], "PASS" if ok else "FAIL"]))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
