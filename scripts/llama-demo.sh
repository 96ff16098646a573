#!/usr/bin/env bash
# scripts/llama-demo.sh [--prefix DIR] [--expect-plugins a,b,...] [--backend-ops]
#                       [--split a,b,...]: llama.cpp runs a model on every FlagHAL
# device through the FlagHAL ggml backend (frameworks/ggml), beside llama.cpp's
# own CPU backend in the same run.
#
# It builds what it needs: the FlagHAL install (scripts/install.sh into
# --prefix, default ./prefix, unless one with the operator library is there),
# the pinned llama.cpp and the backend (frameworks/ggml/fetch.sh, CMake into
# target/ggml/build), and the two demonstration models (a tiny llama GGUF
# with random weights, f32 and q8_0: frameworks/ggml/model). Then, per model
# and per FlagHAL device, it prints one row: the largest absolute logits
# error against llama.cpp CPU, whether 32 greedy tokens are identical, and
# tokens/s (prompt and decode, medians of 5 passes that must decode the same
# tokens) of the device and of llama.cpp CPU.
#
# Thresholds (a row FAILs, and the exit status is 1, when one is missed):
#   f32:  max abs logits error < 1e-3 and identical tokens
#   q8_0: max abs logits error < 0.5 and identical tokens. ggml's CPU
#         multiplies q8_0 weights by activations it first rounds to q8_0
#         (its vec_dot type); flaghal_ops.h's mul_mat keeps them f32. That
#         rounding alone moves this model's logits (std 4.2) by up to 0.21
#         (measured; two FlagHAL devices agree with each other to 6e-6), so
#         0.5 is ~2.4x that and still far below what a real defect (a wrong
#         block scale or offset) does (docs/frameworks.md, "Accuracy").
#
# --backend-ops also runs ggml's own backend test, test-backend-ops (built
# from the pinned source), on every device first: each op ggml knows, in
# many shapes, on the device and on ggml's CPU, compared (the ops a device
# declines are listed as "not supported"). 1366 cases pass on the CPU and
# Vulkan devices, 831 on PoCL (no FLOAT16): 140, 201 and 110 s here.
#
# --split cpu,vulkan adds, per model, one run split across the first devices
# of those plugins, in that order, in one process (llama.cpp's layer split:
# layer 0 on the first, layer 1 and the output on the second), with the same
# thresholds. The activations cross devices through the backend's
# cpy_tensor_async (fhMemcpyPeerAsync) and the scheduler's events, which no
# single-device run exercises; the run is traced (FLAGHAL_TRACE) and
# demo/check_trace.py fails the row unless the trace shows peer copies from
# the first device to a later one and event records and waits on their
# streams, all successful.
#
# FLAGHAL_VISIBLE_DEVICES selects and orders devices as for any FlagHAL
# program. --expect-plugins fails the run if a named plugin has no device
# here (so a CI job cannot pass by running on fewer devices than it meant).
# LLAMA_DEMO_THREADS (default 1) is the CPU backend's threads: on a shared,
# oversubscribed machine llama.cpp's spinning thread pool collapses at 2
# threads (2-5 decode tokens/s against 4000+ at 1, measured at load 11 on 2
# cores); on a quiet machine set it to the core count.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PREFIX="$REPO_ROOT/prefix"
EXPECT=""
BACKEND_OPS=0
SPLIT=""
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) PREFIX="$(realpath -m "$2")"; shift 2 ;;
        --expect-plugins) EXPECT="$2"; shift 2 ;;
        --backend-ops) BACKEND_OPS=1; shift ;;
        --split) SPLIT="$2"; shift 2 ;;
        *) echo "llama-demo: unknown argument $1 (see the header of scripts/llama-demo.sh)" >&2; exit 2 ;;
    esac
done
[ -z "$SPLIT" ] || [ "${SPLIT//[^,]/}" != "" ] \
    || { echo "llama-demo: --split needs two or more plugins, not '$SPLIT'" >&2; exit 2; }
THREADS="${LLAMA_DEMO_THREADS:-1}"
# A ggml abort prints its message and exits (no debugger attach for a backtrace).
export GGML_NO_BACKTRACE=1
WORK="$REPO_ROOT/target/ggml"

ensure_packages cmake g++ python3-venv
if [ ! -e "$PREFIX/lib/libflaghal_ops.so.0" ] || [ ! -e "$PREFIX/lib/cmake/FlagHAL/FlagHALConfig.cmake" ]; then
    bash "$REPO_ROOT/scripts/install.sh" "$PREFIX" release
fi

say "llama.cpp (pinned) and the FlagHAL ggml backend"
bash "$REPO_ROOT/frameworks/ggml/fetch.sh" "$WORK"
cmake -S "$REPO_ROOT/frameworks/ggml" -B "$WORK/build" -DCMAKE_BUILD_TYPE=Release \
    -DLLAMA_CPP_SOURCE_DIR="$WORK/llama.cpp" -DFlagHAL_DIR="$PREFIX/lib/cmake/FlagHAL" > "$WORK/cmake-configure.log" \
    || { cat "$WORK/cmake-configure.log"; exit 1; }
targets=(llama-flaghal-demo)
[ $BACKEND_OPS -eq 1 ] && targets+=(test-backend-ops)
cmake --build "$WORK/build" -j2 --target "${targets[@]}"
BIN="$WORK/build/bin"
DEMO=("$BIN/llama-flaghal-demo" --backend-dir "$BIN" --flaghal "$BIN/libggml-flaghal.so")

say "Models (deterministic, random weights)"
for type in f32 q8_0; do
    "$WORK/venv/bin/python" "$REPO_ROOT/frameworks/ggml/model/make_tiny_llama.py" --type "$type" -o "$WORK/tiny-$type.gguf"
    echo "$WORK/tiny-$type.gguf: $(sha256sum "$WORK/tiny-$type.gguf" | cut -c1-16)..."
done

mapfile -t devices < <("${DEMO[@]}" --list)
say "FlagHAL devices: ${#devices[@]}"
printf '  %s\n' "${devices[@]}"
for plugin in ${EXPECT//,/ }; do
    printf '%s\n' "${devices[@]}" | grep -q "($plugin)\$" \
        || { echo "llama-demo: no device of plugin '$plugin' (expected by --expect-plugins)" >&2; exit 1; }
done
[ ${#devices[@]} -gt 0 ] || { echo "llama-demo: no FlagHAL device" >&2; exit 1; }
# --split's plugins -> the first FlagHAL device of each ("FlagHAL0,FlagHAL1").
split_devs=""
for plugin in ${SPLIT//,/ }; do
    line="$(printf '%s\n' "${devices[@]}" | grep -m1 "($plugin)\$")" \
        || { echo "llama-demo: no device of plugin '$plugin' (named by --split)" >&2; exit 1; }
    split_devs+="${split_devs:+,}${line%%$'\t'*}"
done

OUT="$WORK/runs"
mkdir -p "$OUT"
status=0
if [ $BACKEND_OPS -eq 1 ]; then
    for line in "${devices[@]}"; do
        dev="${line%%$'\t'*}"
        say "ggml's test-backend-ops on $dev (${line#*$'\t'})"
        if GGML_BACKEND_PATH="$BIN/libggml-flaghal.so" "$BIN/test-backend-ops" test -b "$dev" > "$OUT/backend-ops-$dev.log" 2>&1; then
            grep "tests passed" "$OUT/backend-ops-$dev.log"
        else
            grep -E "FAIL|tests passed" "$OUT/backend-ops-$dev.log" | tail -20
            echo "test-backend-ops failed on $dev: $OUT/backend-ops-$dev.log"
            status=1
        fi
    done
fi
# One row: run_row TYPE THRESHOLD DEVICES DESCRIPTION [SPLIT_PLUGINS]. With
# SPLIT_PLUGINS the run is traced and the trace checked (check_trace.py).
run_row() {
    local type="$1" threshold="$2" dev="$3" desc="$4" split="${5:-}" base="$OUT/$1-$3" row check=""
    local -a trace_env=()
    [ -z "$split" ] || trace_env=(FLAGHAL_TRACE="$base.trace.json")
    if ! env "${trace_env[@]}" "${DEMO[@]}" --model "$WORK/tiny-$type.gguf" --device "$dev" --threads "$THREADS" \
            --logits "$base.f32" > "$base.txt" 2> "$base.err"; then
        printf '%-5s %-17s %-44s %s\n' "$type" "$dev" "${desc:0:44}" "FAIL (the run failed: $(tail -n 1 "$base.err"))"
        status=1
        return
    fi
    if row="$("$WORK/venv/bin/python" "$REPO_ROOT/frameworks/ggml/demo/compare.py" --threshold "$threshold" \
            --cpu "$OUT/$type-CPU.txt" "$OUT/$type-CPU.f32" --dev "$base.txt" "$base.f32")"; then :; else status=1; fi
    IFS=$'\t' read -r err same p d cp cd result <<<"$row"
    if [ -n "$split" ] && ! check="$("$WORK/venv/bin/python" "$REPO_ROOT/frameworks/ggml/demo/check_trace.py" \
            "$base.trace.json" --devices "$split" 2>&1)"; then
        result=FAIL
        status=1
    fi
    printf '%-5s %-17s %-44s %-10s %-9s %-22s %-22s %s\n' "$type" "$dev" "${desc:0:44}" "$err" "$same" \
        "$p | $d" "$cp | $cd" "$result (< $threshold)"
    [ -z "$check" ] || printf '      %s\n' "${check//$'\n'/$'\n'      }"
}

say "llama.cpp on each FlagHAL device vs llama.cpp CPU ($THREADS threads), prompt 38 tokens, 32 greedy tokens"
printf '%-5s %-17s %-44s %-10s %-9s %-22s %-22s %s\n' model device description max_abs_err identical \
    "tok/s prompt|decode" "CPU tok/s prompt|decode" result
for type in f32 q8_0; do
    threshold=1e-3
    [ "$type" = q8_0 ] && threshold=0.5
    "${DEMO[@]}" --model "$WORK/tiny-$type.gguf" --device CPU --threads "$THREADS" --logits "$OUT/$type-CPU.f32" \
        > "$OUT/$type-CPU.txt"
    for line in "${devices[@]}"; do
        run_row "$type" "$threshold" "${line%%$'\t'*}" "${line#*$'\t'}"
    done
    [ -z "$SPLIT" ] || run_row "$type" "$threshold" "$split_devs" "layers split: ${SPLIT//,/ -> }" "$SPLIT"
done
[ $status -eq 0 ] && say "llama-demo: every device within the thresholds" || say "llama-demo: FAILED (rows above)"
exit $status
