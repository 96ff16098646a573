#!/usr/bin/env bash
# The main job (README command 1): on a fresh Debian machine, installs the
# system packages it needs, builds FlagHAL, installs it into ./prefix, shows
# the plugins and devices found, builds and runs the C examples against the
# install with a plain cc line, and runs the conformance suite on every device.
# Reports land in ./reports/.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$REPO_ROOT"

# gcc/libc6-dev: the C examples and native CPU kernels; spirv-tools: spirv-link,
# which flaghal-kernel uses to put several kernels' SPIR-V into one module;
# mesa-vulkan-drivers and libvulkan1: the Vulkan loader and lavapipe, so the
# Vulkan plugin has a device even without a GPU; pocl-opencl-icd and
# ocl-icd-libopencl1: PoCL and the OpenCL ICD loader, so the OpenCL plugin has
# a device too; python3: reads flaghal-info --json below; g++, cmake and
# python3-venv: llama.cpp, the FlagHAL ggml backend and the demo's model
# generator (scripts/llama-demo.sh).
ensure_packages gcc g++ libc6-dev spirv-tools mesa-vulkan-drivers libvulkan1 pocl-opencl-icd ocl-icd-libopencl1 python3 \
                cmake python3-venv
ensure_rust

PREFIX="$REPO_ROOT/prefix"
bash scripts/install.sh "$PREFIX" release

say "Plugins and devices (prefix/bin/flaghal-info)"
"$PREFIX/bin/flaghal-info"

say "C examples, built against the install with plain cc; their kernels, one source each, with flaghal-kernel"
BUILD="$REPO_ROOT/target/examples"
mkdir -p "$BUILD/kernels"
for example in device_query vector_add streams_events matmul; do
    cc -std=c99 -O2 -I"$PREFIX/include" "c-examples/$example.c" -L"$PREFIX/lib" -lflaghal \
       -Wl,-rpath,"$PREFIX/lib" -o "$BUILD/$example"
done
# One bundle (native CPU + SPIR-V images) that every device loads; the SPIR-V
# is the committed one, so no glslc is needed here.
"$PREFIX/bin/flaghal-kernel" build --committed c-examples/kernels/{vector_add,scale,matmul_tiled}.fhk \
    -o "$BUILD/kernels/examples.fhbundle"
"$PREFIX/bin/flaghal-kernel" inspect "$BUILD/kernels/examples.fhbundle"
"$BUILD/device_query"
count=$("$PREFIX/bin/flaghal-info" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["devices"]))')
for ((device = 0; device < count; device++)); do
    "$BUILD/vector_add" --device "$device" --kernels "$BUILD/kernels/examples.fhbundle"
    "$BUILD/streams_events" --device "$device" --kernels "$BUILD/kernels/examples.fhbundle"
    "$BUILD/matmul" --device "$device" --kernels "$BUILD/kernels/examples.fhbundle"
done

say "The operator library (flaghal_ops.h) from C on every device: c-examples/ops_query.c"
cc -std=c99 -O2 -I"$PREFIX/include" c-examples/ops_query.c -L"$PREFIX/lib" -lflaghal_ops -lflaghal -lm \
   -Wl,-rpath,"$PREFIX/lib" -o "$BUILD/ops_query"
"$BUILD/ops_query"

say "Conformance suite on each of the $count devices (reports in ./reports)"
mkdir -p reports
verdict=0
for ((device = 0; device < count; device++)); do
    "$PREFIX/bin/flaghal-conformance" --require-device --device "$device" \
        --json "reports/conformance-device$device.json" --junit "reports/conformance-device$device.xml" \
        || verdict=1
done
# Every plugin with a device, in the loader's order: the demo also runs one
# model split across the first device of each (when there are two or more).
plugins_with_devices=$("$PREFIX/bin/flaghal-info" --json | python3 -c '
import json, sys
info = json.load(sys.stdin)
print(",".join(p["name"] for p in info["plugins"] if p["status"] == "loaded" and p["device_count"] > 0))')
split=()
[[ "$plugins_with_devices" == *,* ]] && split=(--split "$plugins_with_devices")
say "llama.cpp on every FlagHAL device through the ggml backend${split:+, split across $plugins_with_devices}, and ggml's test-backend-ops (scripts/llama-demo.sh)"
bash scripts/llama-demo.sh --prefix "$PREFIX" --backend-ops "${split[@]}" || verdict=1
exit $verdict
