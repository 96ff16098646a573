#!/usr/bin/env bash
# Every test (README command 2, and what CI runs): on a fresh Debian machine,
# installs the system packages the tests need, runs clippy with warnings as
# errors, then runs the Rust unit and
# integration tests (which build and run the C examples, the broken-plugin zoo
# and the C API coverage program under valgrind), the conformance suite on the
# CPU plugin, on the plain-C minimal plugin (the vendor template, built with cc
# from the install's headers), on the Vulkan device (lavapipe: normal,
# forced-staging, and under the Khronos validation layer) and on the OpenCL
# device (PoCL: fine- and coarse-grained SVM), checks that an install is
# relocatable (and builds C programs with pkg-config and CMake against the
# moved install) and that the CUDA plugin loads with zero devices and says why
# where there is no NVIDIA driver, and installs the Python package (python/)
# into a fresh venv and runs its tests on every device.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$REPO_ROOT"

# gcc/g++: C99 and C++ header checks, C examples, kernels and the plugin zoo;
# valgrind: the C API coverage run; libclang-dev: the bindings drift test
# (bindgen); mesa-vulkan-drivers/libvulkan1: lavapipe, the Vulkan device
# without a GPU; vulkan-validationlayers: the validation-layer run; glslc and
# spirv-tools: regenerate, link (spirv-link) and validate the committed SPIR-V
# kernels; clang-15: regenerate the committed PTX kernels (CUDA mode, no
# toolkit); pocl-opencl-icd and ocl-icd-libopencl1: PoCL and the OpenCL ICD
# loader, the OpenCL device without a GPU; python3-venv: the venv the Python
# package is installed into and tested in, and the llama.cpp demo's model
# generator's (scripts/llama-demo.sh); pkg-config and cmake: C programs
# built against the relocated install the two ways C projects consume it, and
# the ggml backend (cmake, g++).
ensure_packages gcc g++ libc6-dev valgrind libclang-dev mesa-vulkan-drivers libvulkan1 \
                vulkan-validationlayers glslc spirv-tools clang-15 pocl-opencl-icd ocl-icd-libopencl1 python3 \
                python3-venv pkg-config cmake
ensure_rust

export VK_DRIVER_FILES="${VK_DRIVER_FILES:-/usr/share/vulkan/icd.d/lvp_icd.x86_64.json}"

say "Building every crate and target"
cargo build --workspace --all-targets

say "Lints: clippy with warnings as errors (house rule 4: every unsafe block says why)"
cargo clippy --version >/dev/null 2>&1 || rustup component add clippy
cargo clippy --workspace --all-targets -- -D warnings

say "cargo test --workspace --no-fail-fast"
cargo test --workspace --no-fail-fast

say "Relocatable install: install, move, and find the plugins from the new place"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
bash scripts/install.sh "$scratch/first" debug >/dev/null
mv "$scratch/first" "$scratch/moved"
"$scratch/moved/bin/flaghal-info" --json > "$scratch/info.json"
python3 - "$scratch/info.json" <<'PY'
import json, sys
info = json.load(open(sys.argv[1]))
loaded = {p["name"] for p in info["plugins"] if p["status"] == "loaded"}
assert "cpu" in loaded, f"relocated install did not load the CPU plugin: {info['plugins']}"
assert any(d["type"] == "CPU" for d in info["devices"]), "no CPU device after relocation"
print(f"relocated install: plugins loaded {sorted(loaded)}, {len(info['devices'])} devices")
PY

say "Relocated install consumed by C: pkg-config --cflags --libs flaghal, and CMake find_package(FlagHAL)"
bash scripts/check-install-consumers.sh "$scratch/moved" "$scratch/consumers"

say "CUDA plugin without the NVIDIA driver: loaded, zero devices, the reason in the loader's log"
if ldconfig -p 2>/dev/null | grep -q 'libcuda\.so\.1'; then
    echo "libcuda.so.1 is installed here: skipping the no-driver check (scripts/device-check.sh covers a GPU)"
else
    FLAGHAL_LOADER_DEBUG=info "$scratch/moved/bin/flaghal-info" --json > "$scratch/info-cuda.json" 2> "$scratch/info-cuda.log"
    python3 - "$scratch/info-cuda.json" "$scratch/info-cuda.log" <<'PY'
import json, sys
info = json.load(open(sys.argv[1]))
log = open(sys.argv[2]).read()
cuda = [p for p in info["plugins"] if p["name"] == "cuda"]
assert len(cuda) == 1, f"flaghal-info lists no cuda plugin: {info['plugins']}"
assert cuda[0]["status"] == "loaded" and cuda[0]["device_count"] == 0, f"cuda plugin: {cuda[0]}"
reason = [l for l in log.splitlines() if "cuda: no devices: cannot load libcuda.so.1" in l]
assert reason, f"the reason is not in the loader's log:\n{log}"
print(f"cuda plugin loaded with 0 devices; {reason[0]}")
PY
fi

say "Device check (scripts/device-check.sh): the parts that run without a GPU"
# --prepare from the debug build, --run on this machine (CUDA steps skip
# themselves without a CUDA device; Vulkan runs on lavapipe), and packing
# within the limits of what a device call brings back.
DC=scripts/device-check.sh
bash "$DC" --help > /dev/null
if bash "$DC" --bogus 2> /dev/null; then echo "device-check.sh accepted an unknown argument" >&2; exit 1; fi
rc=0; bash "$DC" --run --tree "$scratch/no-tree" --out "$scratch/no-out" > /dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || { echo "device-check.sh --run without a prepared tree exited $rc, not 2" >&2; exit 1; }
bash "$DC" --prepare --tree "$scratch/device" --profile debug --no-debs > "$scratch/device-prepare.log"
bash "$DC" --run --tree "$scratch/device" --out "$scratch/device-out" --no-system-debs \
    --filter 'abi.*,device.enumeration,copies.round_trip*' --bench smoke --deadline 240 > "$scratch/device-run.log" 2>&1
mkdir -p "$scratch/pack-in"
for i in $(seq 1 12); do echo '{}' > "$scratch/pack-in/conformance-x$i.json"; done
echo summary > "$scratch/pack-in/summary.txt"
bash "$DC" --pack "$scratch/pack-in" "$scratch/pack-out" > /dev/null
python3 - "$scratch/device-out" "$scratch/pack-out" <<'PY'
import json, os, re, sys, tarfile
for out in sys.argv[1:]:
    files = sorted(os.listdir(out))
    assert 0 < len(files) <= 8, f"{out}: {len(files)} files (at most 8 come back): {files}"
    for f in files:
        path = os.path.join(out, f)
        assert os.path.isfile(path) and re.fullmatch(r"[A-Za-z0-9._-]+", f), f"{out}: {f} would not come back"
        assert os.path.getsize(path) <= 16 << 20, f"{out}: {f} is over 16 MiB"
out = sys.argv[1]
summary = open(os.path.join(out, "summary.txt")).read()
for step in ["info", "conformance-cuda", "cuda-gpu-tests", "conformance-vulkan", "examples", "bench",
             "conformance-vulkan-staging", "conformance-vulkan-validation"]:
    assert re.search(rf"^{re.escape(step)} ", summary, re.M), f"step {step} missing from the summary:\n{summary}"
assert re.search(r"^conformance-cuda +skipped +0 +no CUDA device", summary, re.M), summary
assert re.search(r"^examples +0 ", summary, re.M) and re.search(r"^bench +0 ", summary, re.M), summary
report = json.load(open(os.path.join(out, "conformance-vulkan.json")))
assert report["verdict"] == "CONFORMANT", report["verdict"]
names = tarfile.open(os.path.join(out, "device-check.tar.gz")).getnames()
for f in ["./info.log", "./info.json", "./steps.tsv", "./bench.json", "./examples.log", "./machine.txt"]:
    assert f in names, f"{f} not packed: {names}"
print(f"device check dry run: {len(os.listdir(out))} files back, steps as expected; 13 reports packed into {len(os.listdir(sys.argv[2]))} files")
PY

say "Python package (python/): pip install ./python into a fresh venv, pytest against the relocated install"
# The venv lives under target/ and is made anew each run, so the install is
# what a user's `pip install ./python` does; pinned test dependencies in
# python/tests/requirements.txt. pytest runs outside python/, so it imports
# the installed package (FLAGHAL_TEST_INSTALLED checks), and every device
# test runs on each device; each plugin named must contribute one. mypy
# --strict checks the type hints the package ships (py.typed).
PY_VENV="$REPO_ROOT/target/python-venv"
rm -rf "$PY_VENV"
python3 -m venv "$PY_VENV"
"$PY_VENV/bin/pip" install --quiet --disable-pip-version-check -r python/tests/requirements.txt ./python
py_plugins=cpu,opencl
if [ -e "$scratch/moved/lib/flaghal/plugins/libflaghal_vulkan.so" ]; then py_plugins="vulkan,$py_plugins"; fi
(cd "$scratch" && FLAGHAL_LIBRARY="$scratch/moved/lib/libflaghal.so.1" FLAGHAL_TEST_REQUIRE_PLUGINS="$py_plugins" \
    FLAGHAL_TEST_INSTALLED=1 "$PY_VENV/bin/pytest" -p no:cacheprovider -q "$REPO_ROOT/python/tests")
(cd python && "$PY_VENV/bin/mypy" --cache-dir "$REPO_ROOT/target/mypy-cache" flaghal tests)

say "Conformance suite: CPU plugin"
CONF="$scratch/moved/bin/flaghal-conformance"
mkdir -p reports
"$CONF" --require-device --plugin "$scratch/moved/share/flaghal/plugins.d/90-cpu.json" \
    --json reports/cpu.json --junit reports/cpu.xml

say "Conformance suite: the plain-C vendor template (c-examples/minimal_plugin), built from the install's headers"
# The way a vendor builds a plugin: one cc line against the installed
# headers, exporting only the entry point (docs/plugin-guide.md).
MINIMAL="$scratch/libflaghal_minimal.so"
cc -std=c99 -Wall -Wextra -Werror -pedantic -O2 -shared -fPIC -fvisibility=hidden \
    -I"$scratch/moved/include" c-examples/minimal_plugin/minimal_plugin.c -o "$MINIMAL" -lpthread -ldl
exported="$(nm -D --defined-only "$MINIMAL" | awk '{print $3}')"
[ "$exported" = fhPluginNegotiate ] || { echo "the minimal plugin exports more than fhPluginNegotiate: $exported" >&2; exit 1; }
"$CONF" --require-device --plugin "$MINIMAL" --json reports/minimal.json --junit reports/minimal.xml

if [ -e "$scratch/moved/lib/flaghal/plugins/libflaghal_vulkan.so" ]; then
    VK_MANIFEST="$scratch/moved/share/flaghal/plugins.d/10-vulkan.json"
    say "Conformance suite: Vulkan plugin on lavapipe"
    "$CONF" --require-device --plugin "$VK_MANIFEST" --json reports/vulkan.json --junit reports/vulkan.xml
    say "Conformance suite: Vulkan plugin on lavapipe, forced staging path"
    FLAGHAL_VULKAN_FORCE_STAGING=1 "$CONF" --require-device --plugin "$VK_MANIFEST" \
        --json reports/vulkan-staging.json --junit reports/vulkan-staging.xml
    say "Conformance suite: Vulkan plugin under the Khronos validation layer (zero messages allowed)"
    layer=/usr/share/vulkan/explicit_layer.d/VkLayer_khronos_validation.json
    [ -e "$layer" ] || { echo "the Khronos validation layer is not installed ($layer)" >&2; exit 1; }
    # FATAL turns any validation warning or error into a failed call (so a
    # test fails), and the warn-level log is kept to show the messages.
    FLAGHAL_VULKAN_VALIDATION_FATAL=1 FLAGHAL_LOADER_DEBUG=error,warn \
        VK_INSTANCE_LAYERS=VK_LAYER_KHRONOS_validation "$CONF" --require-device \
        --plugin "$VK_MANIFEST" --json reports/vulkan-validation.json --junit reports/vulkan-validation.xml \
        2> >(tee reports/vulkan-validation.log >&2)
    if grep -q "validation: " reports/vulkan-validation.log; then
        echo "validation layer messages (see reports/vulkan-validation.log):" >&2
        grep "validation: " reports/vulkan-validation.log | head -20 >&2
        exit 1
    fi
    echo "validation layer: 0 messages"
fi

OCL_MANIFEST="$scratch/moved/share/flaghal/plugins.d/50-opencl.json"
say "Conformance suite: OpenCL plugin on PoCL"
"$CONF" --require-device --plugin "$OCL_MANIFEST" --json reports/opencl.json --junit reports/opencl.xml
say "Conformance suite: OpenCL plugin on PoCL, coarse-grained SVM (the path of a discrete GPU)"
FLAGHAL_OPENCL_COARSE_SVM=1 "$CONF" --require-device --plugin "$OCL_MANIFEST" \
    --json reports/opencl-coarse.json --junit reports/opencl-coarse.xml
say "llama.cpp through the FlagHAL ggml backend on the CPU, Vulkan (lavapipe) and OpenCL (PoCL) devices, and split across CPU and Vulkan"
# Logits against llama.cpp's own CPU backend (f32 < 1e-3, q8_0 < 0.5) and 32
# identical greedy tokens, on the relocated install (docs/frameworks.md); the
# split run also proves from its trace that activations crossed devices
# through cpy_tensor_async and the scheduler's events.
bash scripts/llama-demo.sh --prefix "$scratch/moved" --expect-plugins cpu,vulkan,opencl --split cpu,vulkan
say "All tests passed"
