#!/usr/bin/env bash
# frameworks/ggml/fetch.sh [DIR]: brings the pinned inputs of the ggml backend
# into DIR (default target/ggml), from package registries only, never
# committed:
#   DIR/venv/                  a Python venv with the model generator's pinned
#                              packages (model/requirements.txt, no other deps)
#   DIR/llama.cpp/             llama.cpp and ggml as vendored by the
#                              llama-cpp-python sdist pinned below, checked
#                              against its SHA-256 before it is unpacked
# Idempotent: what is there and matches the pins is kept (the sdist's checksum
# is checked again every time, a mismatch is fatal and removes nothing else).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$HERE/../.." && pwd)"
DIR="${1:-$REPO_ROOT/target/ggml}"

# The pin: llama-cpp-python 0.3.36 vendors llama.cpp with ggml-backend API
# version 2 (GGML_BACKEND_API_VERSION in ggml/src/ggml-backend-impl.h).
LLAMA_CPP_PYTHON_VERSION=0.3.36
LLAMA_CPP_PYTHON_SHA256=832db0699007f1be95a7e41ef12e88926b02ba836461e36a36372db2760c1a2e
SDIST="llama_cpp_python-$LLAMA_CPP_PYTHON_VERSION.tar.gz"

mkdir -p "$DIR"
if [ ! -x "$DIR/venv/bin/python" ]; then
    echo "fetch: creating $DIR/venv"
    python3 -m venv "$DIR/venv"
fi
if ! cmp -s "$HERE/model/requirements.txt" "$DIR/venv/requirements.installed"; then
    echo "fetch: installing the model generator's pinned packages"
    "$DIR/venv/bin/pip" install -q --disable-pip-version-check --no-deps -r "$HERE/model/requirements.txt"
    cp "$HERE/model/requirements.txt" "$DIR/venv/requirements.installed"
fi

if [ ! -f "$DIR/$SDIST" ]; then
    echo "fetch: downloading the llama-cpp-python $LLAMA_CPP_PYTHON_VERSION sdist (pip download)"
    "$DIR/venv/bin/pip" download -q --disable-pip-version-check --no-deps --no-binary :all: \
        -d "$DIR/download" "llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION"
    mv "$DIR/download/$SDIST" "$DIR/$SDIST"
    rmdir "$DIR/download" 2>/dev/null || true
fi
actual="$(sha256sum "$DIR/$SDIST" | cut -d' ' -f1)"
if [ "$actual" != "$LLAMA_CPP_PYTHON_SHA256" ]; then
    echo "fetch: $DIR/$SDIST has SHA-256 $actual, the pin is $LLAMA_CPP_PYTHON_SHA256: refusing it" >&2
    exit 1
fi

stamp="$DIR/llama.cpp/.flaghal-unpacked-from"
if [ "$(cat "$stamp" 2>/dev/null)" != "$LLAMA_CPP_PYTHON_SHA256" ]; then
    echo "fetch: unpacking vendor/llama.cpp into $DIR/llama.cpp"
    rm -rf "$DIR/llama.cpp" "$DIR/unpack"
    mkdir -p "$DIR/unpack"
    tar -xzf "$DIR/$SDIST" -C "$DIR/unpack" "llama_cpp_python-$LLAMA_CPP_PYTHON_VERSION/vendor/llama.cpp"
    mv "$DIR/unpack/llama_cpp_python-$LLAMA_CPP_PYTHON_VERSION/vendor/llama.cpp" "$DIR/llama.cpp"
    rm -rf "$DIR/unpack"
    echo "$LLAMA_CPP_PYTHON_SHA256" > "$stamp"
fi
echo "fetch: llama.cpp from llama-cpp-python $LLAMA_CPP_PYTHON_VERSION in $DIR/llama.cpp"
