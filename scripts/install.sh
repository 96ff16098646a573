#!/usr/bin/env bash
# scripts/install.sh [PREFIX] [PROFILE]: builds FlagHAL (PROFILE release by
# default) and installs it into PREFIX (default ./prefix):
#   PREFIX/lib/libflaghal.so.1 (+ libflaghal.so link)   the loader
#   PREFIX/lib/flaghal/plugins/libflaghal_*.so          the reference plugins (CPU,
#                                                       Vulkan) and the CUDA plugin
#   PREFIX/share/flaghal/plugins.d/*.json               their manifests, found by
#                                                       the loader relative to itself
#   PREFIX/bin/flaghal-info, flaghal-conformance,       the tools
#              flaghal-kernel
#   PREFIX/include/flaghal/*.h, kernel/*.h, kernel/*.cl the headers (the API, the
#                                                       plugin ABI, the kernel language
#                                                       and its OpenCL C prologue)
#   PREFIX/share/flaghal/examples/                      C examples and their one-source
#                                                       kernels (kernels/*.fhk, spirv/, ptx/)
#   PREFIX/lib/libflaghal_ops.so.0 (+ .so link)         the operator library (its kernel
#                                                       bundles built in), header
#                                                       include/flaghal/flaghal_ops.h
#   PREFIX/share/flaghal/ops/                           its bundles (ops_core, ops_f16,
#                                                       ops_q8_0.fhbundle) and kernels/
#   PREFIX/lib/pkgconfig/flaghal.pc, flaghal-ops.pc     pkg-config: --cflags --libs flaghal
#   PREFIX/lib/cmake/FlagHAL/                           CMake: find_package(FlagHAL),
#                                                       targets FlagHAL::flaghal (and FlagHAL::ops)
# The install is relocatable: move PREFIX anywhere and it still finds its plugins,
# and the pkg-config and CMake files compute every path from their own location.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ensure_rust

PREFIX="${1:-$REPO_ROOT/prefix}"
PROFILE="${2:-release}"
cd "$REPO_ROOT"

packages=(-p flaghal -p flaghal-info -p flaghal-plugin-cpu -p flaghal-plugin-vulkan -p flaghal-plugin-opencl
          -p flaghal-plugin-cuda -p flaghal-conformance -p flaghal-kernel -p flaghal-ops)
say "Building ($PROFILE): ${packages[*]}"
if [ "$PROFILE" = release ]; then
    cargo build --release "${packages[@]}"
else
    cargo build "${packages[@]}"
fi
TARGET="$REPO_ROOT/target/$PROFILE"

say "Installing into $PREFIX"
mkdir -p "$PREFIX/lib/flaghal/plugins" "$PREFIX/share/flaghal/plugins.d" "$PREFIX/bin" \
         "$PREFIX/include/flaghal/kernel" "$PREFIX/share/flaghal/examples/kernels/spirv" \
         "$PREFIX/share/flaghal/examples/kernels/ptx"
install -m 755 "$TARGET/libflaghal.so" "$PREFIX/lib/libflaghal.so.1"
ln -sf libflaghal.so.1 "$PREFIX/lib/libflaghal.so"
install -m 644 include/flaghal/*.h "$PREFIX/include/flaghal/"
install -m 644 include/flaghal/kernel/*.h include/flaghal/kernel/*.cl "$PREFIX/include/flaghal/kernel/"
install -m 755 "$TARGET/libflaghal_ops.so" "$PREFIX/lib/libflaghal_ops.so.0"
ln -sf libflaghal_ops.so.0 "$PREFIX/lib/libflaghal_ops.so"
install -m 644 ops/include/flaghal/flaghal_ops.h "$PREFIX/include/flaghal/"
mkdir -p "$PREFIX/share/flaghal/ops/kernels"
cp ops/kernels/*.fhk ops/kernels/*.h "$PREFIX/share/flaghal/ops/kernels/"
# The operator bundles the library embeds, as files too (flaghal-kernel
# inspect, or fhModuleLoadData by other programs): from the build script's
# OUT_DIR, which cargo reports for the build just made.
ops_out="$(cargo build $([ "$PROFILE" = release ] && echo --release) -p flaghal-ops --message-format=json 2>/dev/null |
    python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "build-script-executed" and m["package_id"].split("#")[-1].startswith("flaghal-ops@"):
        print(m["out_dir"])')"
[ -n "$ops_out" ] && ls "$ops_out"/ops_*.fhbundle >/dev/null || { echo "install.sh: the operator bundles were not found" >&2; exit 1; }
cp "$ops_out"/ops_*.fhbundle "$PREFIX/share/flaghal/ops/"
for tool in flaghal-info flaghal-conformance flaghal-kernel; do
    install -m 755 "$TARGET/$tool" "$PREFIX/bin/$tool"
done

# plugin file-stem manifest-name: the manifest names sort Vulkan, then CUDA
# (zero devices without the NVIDIA driver), then OpenCL, then CPU; device
# order does not depend on it (docs/loader.md), the listing does.
install_plugin() {
    local stem="$1" manifest="$2" name="$3"
    install -m 755 "$TARGET/lib$stem.so" "$PREFIX/lib/flaghal/plugins/lib$stem.so"
    cat > "$PREFIX/share/flaghal/plugins.d/$manifest.json" <<JSON
{
    "file_format_version": "1.0.0",
    "plugin": {
        "name": "$name",
        "library_path": "../../../lib/flaghal/plugins/lib$stem.so",
        "abi_version": "1.0",
        "library_arch": "$(uname -m)"
    }
}
JSON
}
install_plugin flaghal_vulkan 10-vulkan vulkan
install_plugin flaghal_cuda 20-cuda cuda
install_plugin flaghal_opencl 50-opencl opencl
install_plugin flaghal_cpu 90-cpu cpu

cp c-examples/*.c c-examples/*.h "$PREFIX/share/flaghal/examples/"
cp c-examples/kernels/*.fhk "$PREFIX/share/flaghal/examples/kernels/"
cp c-examples/kernels/spirv/*.spv "$PREFIX/share/flaghal/examples/kernels/spirv/"
cp c-examples/kernels/ptx/*.ptx "$PREFIX/share/flaghal/examples/kernels/ptx/"

# pkg-config and CMake package files (scripts/install/): paths relative to
# the file (${pcfiledir}, CMAKE_CURRENT_LIST_DIR), the version the workspace's.
VERSION="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)"
IFS=. read -r VERSION_MAJOR VERSION_MINOR _ <<<"$VERSION"
configure() {
    sed -e "s/@VERSION@/$VERSION/g" -e "s/@VERSION_MAJOR@/$VERSION_MAJOR/g" -e "s/@VERSION_MINOR@/$VERSION_MINOR/g" "$1" > "$2"
}
mkdir -p "$PREFIX/lib/pkgconfig" "$PREFIX/lib/cmake/FlagHAL"
configure scripts/install/flaghal.pc.in "$PREFIX/lib/pkgconfig/flaghal.pc"
configure scripts/install/flaghal-ops.pc.in "$PREFIX/lib/pkgconfig/flaghal-ops.pc"
install -m 644 scripts/install/FlagHALConfig.cmake "$PREFIX/lib/cmake/FlagHAL/FlagHALConfig.cmake"
configure scripts/install/FlagHALConfigVersion.cmake.in "$PREFIX/lib/cmake/FlagHAL/FlagHALConfigVersion.cmake"
say "Installed FlagHAL $VERSION into $PREFIX"
