#!/usr/bin/env bash
# scripts/bench-ops.sh [JSON]: flaghal-bench section 12, ggml mul_mat of the
# operator library (libflaghal_ops) on every FlagHAL device beside numpy's
# matmul (OpenBLAS, from the numpy wheel) measured in the same run, ratios
# printed (docs/performance.md). numpy comes from PyPI into a venv under
# target/ (python3-venv); JSON defaults to docs/performance-ops.json.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ensure_packages python3 python3-venv mesa-vulkan-drivers libvulkan1 pocl-opencl-icd ocl-icd-libopencl1
ensure_rust
cd "$REPO_ROOT"

NUMPY_VERSION=2.2.6
VENV="$REPO_ROOT/target/bench-venv"
if ! "$VENV/bin/python" -c "import numpy, sys; sys.exit(numpy.__version__ != '$NUMPY_VERSION')" 2>/dev/null; then
    say "numpy $NUMPY_VERSION into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q "numpy==$NUMPY_VERSION"
fi
export VK_DRIVER_FILES="${VK_DRIVER_FILES:-/usr/share/vulkan/icd.d/lvp_icd.x86_64.json}"
say "flaghal-bench --only 12"
FLAGHAL_BENCH_PYTHON="$VENV/bin/python" \
    cargo run --release -p flaghal-bench -- --only 12 --json "${1:-docs/performance-ops.json}" --markdown target/bench-ops.md
cat target/bench-ops.md
