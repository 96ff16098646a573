#!/usr/bin/env bash
# scripts/check-install-consumers.sh PREFIX [WORK]: builds C programs against
# the FlagHAL install at PREFIX (typically a MOVED install: the files must
# find everything relative to themselves) the two ways C and C++ projects
# consume a library, and runs them:
#   1. pkg-config: cc c-examples/device_query.c $(pkg-config --cflags --libs flaghal),
#      and c-examples/ops_query.c with flaghal-ops when the install has it
#   2. CMake: c-examples/cmake, find_package(FlagHAL) with CMAKE_PREFIX_PATH=PREFIX
#      (FlagHAL::flaghal, and FlagHAL::ops when the install has it)
# Each program must list the CPU device of the install's CPU plugin. WORK
# (default: a temporary folder) holds the builds.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$REPO_ROOT"

PREFIX="$(cd "${1:?usage: check-install-consumers.sh PREFIX [WORK]}" && pwd)"
WORK="${2:-$(mktemp -d)}"
mkdir -p "$WORK"

expect_cpu_device() {
    local what="$1" output="$2"
    grep -q "CPU" "$output" || { echo "$what: no CPU device in its listing:" >&2; cat "$output" >&2; exit 1; }
    echo "$what: built and ran, lists the CPU device"
}

say "pkg-config against $PREFIX"
export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig"
pkg-config --exists --print-errors flaghal
libdir="$(pkg-config --variable=libdir flaghal)"
# shellcheck disable=SC2046 # pkg-config's output is a list of flags
cc -std=c99 -Wall -Wextra -Werror -pedantic c-examples/device_query.c \
    $(pkg-config --cflags --libs flaghal) -Wl,-rpath,"$libdir" -o "$WORK/device_query_pc"
"$WORK/device_query_pc" > "$WORK/device_query_pc.txt"
expect_cpu_device "pkg-config build (flaghal $(pkg-config --modversion flaghal))" "$WORK/device_query_pc.txt"
if [ -e "$PREFIX/lib/pkgconfig/flaghal-ops.pc" ]; then
    # shellcheck disable=SC2046
    cc -std=c99 -Wall -Wextra -Werror -pedantic c-examples/ops_query.c \
        $(pkg-config --cflags --libs flaghal-ops) -lm -Wl,-rpath,"$libdir" -o "$WORK/ops_query_pc"
    "$WORK/ops_query_pc" > "$WORK/ops_query_pc.txt"
    expect_cpu_device "pkg-config build of the operator library" "$WORK/ops_query_pc.txt"
fi

say "CMake find_package(FlagHAL) against $PREFIX"
cmake -S c-examples/cmake -B "$WORK/cmake" -DCMAKE_PREFIX_PATH="$PREFIX" -DCMAKE_BUILD_TYPE=Release >"$WORK/cmake-configure.log" \
    || { cat "$WORK/cmake-configure.log" >&2; exit 1; }
cmake --build "$WORK/cmake" >"$WORK/cmake-build.log" || { cat "$WORK/cmake-build.log" >&2; exit 1; }
"$WORK/cmake/device_query" > "$WORK/device_query_cmake.txt"
expect_cpu_device "CMake build (FlagHAL::flaghal)" "$WORK/device_query_cmake.txt"
if [ -e "$WORK/cmake/ops_query" ]; then
    "$WORK/cmake/ops_query" > "$WORK/ops_query_cmake.txt"
    expect_cpu_device "CMake build (FlagHAL::ops)" "$WORK/ops_query_cmake.txt"
fi
