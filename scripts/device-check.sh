#!/usr/bin/env bash
# scripts/device-check.sh: FlagHAL's one prepared check on a GPU machine
# (docs/cuda.md, "The device check"). The GPU machine has no Rust and
# reaches no network, so the work is split in two:
#
#   --prepare   here, on the development machine: builds an install tree
#               (release), the CUDA plugin's GPU tests, flaghal-bench and the
#               C examples into .device/ (ignored by git), downloads the
#               Vulkan loader and validation-layer packages, and checks that
#               it all fits in what a device call carries (64 MiB).
#   --run       on the GPU machine, from the repository root, with .device/
#               carried: flaghal-info, the CUDA plugin's GPU tests, the
#               conformance suite on the CUDA plugin and on the Vulkan plugin
#               over the NVIDIA driver (normal, forced staging, validation
#               layer), the C examples on every device, flaghal-bench; every
#               report packed into $OUT (at most 8 files, none in folders).
#   --pack      the packing step alone (WORK OUT), also used by --run.
#
# Every step runs under a time limit taken from one deadline, so the
# command always ends, and always packs, before the device call's limit.
set -uo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
USAGE="usage:
  scripts/device-check.sh --prepare [--tree DIR] [--profile release|debug] [--no-debs] [--kernel-pack DIR]
  scripts/device-check.sh --run [--tree DIR] [--out DIR] [--deadline SECONDS] [--filter GLOBS]
                                [--bench smoke|full|none] [--no-system-debs]
  scripts/device-check.sh --pack WORK OUT

  --tree DIR         the prepared tree (default: .device in the repository root)
  --profile P        cargo profile for --prepare (default release; debug reuses a debug build)
  --no-debs          do not download the Vulkan loader and validation-layer packages
  --kernel-pack DIR  a PTX kernel pack (docs/kernels.md) the CUDA conformance run uses
                     instead of the embedded bundles
  --out DIR          where --run leaves its files (default: \$OUT, else ./device-out)
  --deadline S       seconds from start by which --run has packed (default 420)
  --filter GLOBS     passed to every conformance run (e.g. 'abi.*,copies.*')
  --bench MODE       flaghal-bench --smoke (default), a full run, or none
  --no-system-debs   do not unpack the carried packages into / (for a dry run on
                     a development machine; the system's Vulkan loader is used)"

die() { echo "device-check: $*" >&2; exit 2; }
say() { printf '\n==> %s\n' "$*"; }

mode=""
tree="$REPO_ROOT/.device"
profile=release
debs=1
kernel_pack=""
out="${OUT:-$REPO_ROOT/device-out}"
deadline=420
filter=""
bench=smoke
system_debs=1
pack_args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --prepare|--run) [ -z "$mode" ] || die "one mode at a time"; mode="${1#--}" ;;
        --pack) [ -z "$mode" ] || die "one mode at a time"; mode=pack
                [ $# -ge 3 ] || die "--pack needs WORK and OUT"; pack_args=("$2" "$3"); shift 2 ;;
        --tree) [ $# -ge 2 ] || die "--tree needs a value"; tree="$2"; shift ;;
        --profile) [ $# -ge 2 ] || die "--profile needs a value"; profile="$2"; shift
                   [ "$profile" = release ] || [ "$profile" = debug ] || die "--profile is release or debug" ;;
        --no-debs) debs=0 ;;
        --kernel-pack) [ $# -ge 2 ] || die "--kernel-pack needs a value"; kernel_pack="$2"; shift ;;
        --out) [ $# -ge 2 ] || die "--out needs a value"; out="$2"; shift ;;
        --deadline) [ $# -ge 2 ] || die "--deadline needs a value"; deadline="$2"; shift
                    [[ "$deadline" =~ ^[0-9]+$ ]] || die "--deadline is a number of seconds" ;;
        --filter) [ $# -ge 2 ] || die "--filter needs a value"; filter="$2"; shift ;;
        --bench) [ $# -ge 2 ] || die "--bench needs a value"; bench="$2"; shift
                 case "$bench" in smoke|full|none) ;; *) die "--bench is smoke, full or none" ;; esac ;;
        --no-system-debs) system_debs=0 ;;
        -h|--help) echo "$USAGE"; exit 0 ;;
        *) echo "$USAGE" >&2; die "unknown argument: $1" ;;
    esac
    shift
done
[ -n "$mode" ] || { echo "$USAGE" >&2; die "give --prepare, --run or --pack"; }
case "$tree" in /*) ;; *) tree="$PWD/$tree" ;; esac
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac

# The most a device call carries (working tree + carried paths: 64 MiB),
# less what the repository's own files take.
CARRY_LIMIT=$((56 << 20))

# ---------------------------------------------------------------------------
# --prepare (development machine)
# ---------------------------------------------------------------------------
prepare() {
    source "$REPO_ROOT/scripts/common.sh"
    ensure_packages gcc libc6-dev binutils spirv-tools python3
    ensure_rust
    cd "$REPO_ROOT"
    local cargo_profile=() target="$REPO_ROOT/target/$profile"
    [ "$profile" = release ] && cargo_profile=(--release)
    rm -rf "$tree"
    mkdir -p "$tree/bin" "$tree/examples"

    say "Install tree ($profile) into $tree/prefix"
    bash scripts/install.sh "$tree/prefix" "$profile" >/dev/null

    say "flaghal-bench and the CUDA plugin's GPU tests ($profile)"
    cargo build "${cargo_profile[@]}" -p flaghal-bench
    install -m 755 "$target/flaghal-bench" "$tree/bin/flaghal-bench"
    # flaghal-bench calls the plugins' entry points directly too, and finds
    # them beside itself: relative links into the install travel as links.
    ln -s ../prefix/lib/libflaghal.so.1 "$tree/bin/libflaghal.so"
    for plugin in cpu vulkan; do
        ln -s "../prefix/lib/flaghal/plugins/libflaghal_$plugin.so" "$tree/bin/libflaghal_$plugin.so"
    done
    local gpu_tests
    gpu_tests="$(cargo test "${cargo_profile[@]}" -p flaghal-plugin-cuda --test gpu --no-run --message-format=json \
        | python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "gpu" and m.get("executable"):
        print(m["executable"])')"
    [ -x "$gpu_tests" ] || die "the CUDA GPU test binary was not built"
    install -m 755 "$gpu_tests" "$tree/bin/cuda-gpu-tests"

    say "C examples, linked against the tree with a relative rpath"
    for example in device_query vector_add streams_events matmul; do
        cc -std=c99 -O2 -I"$tree/prefix/include" "c-examples/$example.c" -L"$tree/prefix/lib" -lflaghal \
           -Wl,-rpath,'$ORIGIN/../prefix/lib' -o "$tree/examples/$example"
    done
    "$tree/prefix/bin/flaghal-kernel" build --committed c-examples/kernels/{vector_add,scale,matmul_tiled}.fhk \
        -o "$tree/examples/examples.fhbundle" >/dev/null

    if [ -n "$kernel_pack" ]; then
        [ -f "$kernel_pack/pack.json" ] || die "--kernel-pack $kernel_pack has no pack.json"
        cp -r "$kernel_pack" "$tree/cuda-kernel-pack"
    fi

    say "Dropping debug info (symbols stay) to fit the carry limit"
    find "$tree" -type f \( -perm -u+x -o -name '*.so*' \) -print0 | while IFS= read -r -d '' f; do
        if head -c 4 "$f" | grep -q 'ELF'; then strip --strip-debug "$f"; fi
    done

    if [ "$debs" = 1 ]; then
        say "Vulkan loader and GL dispatch packages (unpacked into / there) and the validation layer (unpacked aside)"
        mkdir -p "$tree/debs" "$tree/layers"
        local sudo=""
        [ "$(id -u)" -ne 0 ] && sudo=sudo
        (cd "$tree/debs" && apt-get download -qq libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2) \
            || { $sudo apt-get update -qq && (cd "$tree/debs" && apt-get download -qq libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2); } \
            || die "apt-get download of the Vulkan loader packages failed"
        (cd "$tree/layers" && apt-get download -qq vulkan-validationlayers) || die "apt-get download vulkan-validationlayers failed"
    fi

    local commit dirty size
    commit="$(git -C "$REPO_ROOT" rev-parse HEAD 2>/dev/null || echo unknown)"
    dirty="$(git -C "$REPO_ROOT" status --porcelain --untracked-files=no 2>/dev/null | wc -l)"
    size="$(du -sb "$tree" | cut -f1)"
    {
        echo "prepared: $(date -u '+%Y-%m-%d %H:%M UTC') on $(uname -n) ($(uname -m))"
        echo "commit: $commit$([ "$dirty" -gt 0 ] && echo " (+$dirty uncommitted changes)")"
        echo "profile: $profile"
        echo "rustc: $(rustc --version 2>/dev/null)"
        echo "size: $size bytes"
        echo "files:"
        (cd "$tree" && find . -type f ! -name MANIFEST -printf '  %P %s\n' | sort)
    } > "$tree/MANIFEST"
    [ "$size" -le "$CARRY_LIMIT" ] || die "$tree holds $size bytes; a device call carries at most $CARRY_LIMIT beside the repository"
    say "Prepared $tree ($((size >> 20)) MiB, commit ${commit:0:12}). On the GPU machine, in one device call:"
    echo "  run(command=\"bash scripts/device-check.sh --run\", carry=[\".device\"], timeout_s=480)"
}

# ---------------------------------------------------------------------------
# --pack WORK OUT: every report into at most 8 files, none in a folder
# ---------------------------------------------------------------------------
MAX_FILES=8
MAX_FILE=$((16 << 20))
pack() {
    local work="$1" dest="$2"
    [ -d "$work" ] || die "--pack: $work is not a folder"
    mkdir -p "$dest"
    # Long logs keep their end (where failures are), 2 MiB each.
    find "$work" -type f -name '*.log' -size +2M -print0 | while IFS= read -r -d '' f; do
        tail -c $((2 << 20)) "$f" > "$f.tail" && mv "$f.tail" "$f"
    done
    tar -czf "$dest/device-check.tar.gz" -C "$work" .
    local n=1
    if [ -f "$work/summary.txt" ]; then cp "$work/summary.txt" "$dest/summary.txt"; n=$((n + 1)); fi
    for f in "$work"/conformance-*.json "$work"/bench.json "$work"/bench.md; do
        [ -f "$f" ] || continue
        [ "$n" -lt "$MAX_FILES" ] || break
        cp "$f" "$dest/"
        n=$((n + 1))
    done
    local f name
    for f in "$dest"/*; do
        name="$(basename "$f")"
        [[ "$name" =~ ^[A-Za-z0-9._-]+$ ]] || die "--pack: $name is not a name that comes back"
        [ "$(stat -c %s "$f")" -le "$MAX_FILE" ] || die "--pack: $name is over 16 MiB"
    done
    echo "packed $(ls "$dest" | wc -l) files into $dest: $(ls "$dest" | tr '\n' ' ')"
}

# ---------------------------------------------------------------------------
# --run (GPU machine)
# ---------------------------------------------------------------------------
START=$SECONDS
remaining() { echo $((deadline - (SECONDS - START))); }

# step NAME LIMIT COMMAND...: runs COMMAND with its output in NAME.log, for
# at most LIMIT seconds and never past the deadline (less 25 s for packing);
# records the outcome in steps.tsv.
step() {
    local name="$1" limit="$2"
    shift 2
    local left=$(( $(remaining) - 25 ))
    [ "$left" -lt "$limit" ] && limit="$left"
    if [ "$limit" -lt 10 ]; then
        printf '%s\tskipped\t0\tout of time before the deadline\n' "$name" >> "$WORK/steps.tsv"
        echo "[$name] skipped: out of time"
        return 0
    fi
    echo "[$name] (at most ${limit}s) $*"
    local t0=$SECONDS rc
    timeout -k 5 "$limit" "$@" > "$WORK/$name.log" 2>&1
    rc=$?
    local note=""
    [ "$rc" = 124 ] || [ "$rc" = 137 ] && note="timed out after ${limit}s"
    printf '%s\t%s\t%s\t%s\n' "$name" "$rc" "$((SECONDS - t0))" "$note" >> "$WORK/steps.tsv"
    tail -n 3 "$WORK/$name.log" | sed "s/^/  [$name] /"
    return 0
}

skip() {
    printf '%s\tskipped\t0\t%s\n' "$1" "$2" >> "$WORK/steps.tsv"
    echo "[$1] skipped: $2"
}

# The number of devices plugin $1 contributes, from info.json.
devices_of() {
    python3 -c 'import json,sys
info = json.load(open(sys.argv[1]))
print(sum(p["device_count"] for p in info["plugins"] if p["name"] == sys.argv[2] and p["status"] == "loaded"))' \
        "$WORK/info.json" "$1" 2>/dev/null || echo 0
}

# conformance NAME MANIFEST [VAR=VALUE...]: the suite on one plugin, with
# SUITE_EXTRA (an array) appended to its arguments.
SUITE_EXTRA=()
conformance() {
    local name="$1" manifest="$2"
    shift 2
    local extra=("${SUITE_EXTRA[@]}")
    [ -n "$filter" ] && extra+=(--filter "$filter")
    step "$name" 150 env "$@" "$PREFIX/bin/flaghal-conformance" --plugin "$PREFIX/share/flaghal/plugins.d/$manifest" \
        --require-device --timeout 30 --quiet --json "$WORK/$name.json" --junit "$WORK/$name.xml" "${extra[@]}"
}

examples() {
    local count="$1" bundle="$TREE/examples/examples.fhbundle" rc=0
    "$TREE/examples/device_query" || rc=1
    for ((device = 0; device < count; device++)); do
        for example in vector_add streams_events matmul; do
            echo "--- $example --device $device"
            "$TREE/examples/$example" --device "$device" --kernels "$bundle" || { echo "($example on device $device: exit $?)"; rc=1; }
        done
    done
    return $rc
}

summarize() {
    {
        echo "FlagHAL device check"
        cat "$WORK/machine.txt" 2>/dev/null
        echo
        echo "steps (name, exit status, seconds, note):"
        column -t -s $'\t' "$WORK/steps.tsv" 2>/dev/null || cat "$WORK/steps.tsv"
        echo
        for f in "$WORK"/conformance-*.json; do
            [ -f "$f" ] || continue
            python3 - "$f" <<'PY' || echo "$f: unreadable"
import json, os, sys
r = json.load(open(sys.argv[1]))
c = r.get("counts", {})
d = r.get("device") or {}
others = {k: v for k, v in c.items() if k not in ("pass", "unsupported") and v}
name = os.path.basename(sys.argv[1])
plugin = (r.get("plugin") or {}).get("name")
print(f"{name}: {r.get('verdict')} on {d.get('name', '?')} ({plugin}): "
      f"{c.get('pass', 0)} pass, {c.get('unsupported', 0)} unsupported, other {others}")
for t in r.get("results", []):
    if t["status"] not in ("pass", "unsupported"):
        print(f"    {t['status']:>10} {t['name']}: {t['message'][:300]}")
PY
        done
        if [ -f "$WORK/conformance-vulkan-validation.log" ]; then
            echo "validation layer messages: $(grep -c 'validation: ' "$WORK/conformance-vulkan-validation.log")"
        fi
    } > "$WORK/summary.txt"
}

run() {
    TREE="$tree"
    PREFIX="$TREE/prefix"
    [ -x "$PREFIX/bin/flaghal-info" ] || die "$TREE is not a prepared tree: run scripts/device-check.sh --prepare here first, and carry it"
    WORK="$(mktemp -d)/device-check"
    mkdir -p "$WORK"
    : > "$WORK/steps.tsv"
    trap 'summarize; pack "$WORK" "$out"' EXIT
    export MESA_SHADER_CACHE_DISABLE=true PYTHONUNBUFFERED=1

    if [ "$system_debs" = 1 ] && compgen -G "$TREE/debs/*.deb" >/dev/null; then
        for f in "$TREE"/debs/*.deb; do dpkg -x "$f" /; done
        ldconfig
    fi
    local layer_json=/usr/share/vulkan/explicit_layer.d/VkLayer_khronos_validation.json
    if [ ! -e "$layer_json" ] && compgen -G "$TREE/layers/*.deb" >/dev/null; then
        local layers="$WORK/../layers"
        for f in "$TREE"/layers/*.deb; do dpkg -x "$f" "$layers"; done
        layer_json="$layers/usr/share/vulkan/explicit_layer.d/VkLayer_khronos_validation.json"
        export VK_LAYER_PATH="$layers/usr/share/vulkan/explicit_layer.d"
        export LD_LIBRARY_PATH="$layers/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    fi
    local nvidia_icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
    if [ -z "${VK_DRIVER_FILES:-}" ] && [ -e "$nvidia_icd" ] \
        && ! ls /usr/share/vulkan/icd.d/nvidia_icd*.json /etc/vulkan/icd.d/nvidia_icd*.json >/dev/null 2>&1; then
        export VK_DRIVER_FILES="$nvidia_icd"
    fi

    {
        echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
        echo "host: $(uname -n), $(uname -srm), $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME"), $(nproc) CPUs, $(awk '/MemTotal/ {print $2 " kB"}' /proc/meminfo)"
        local gpus
        gpus="$(nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader 2>/dev/null | paste -sd ';')"
        echo "gpus: ${gpus:-none (no nvidia-smi)}"
        echo "vulkan: VK_DRIVER_FILES=${VK_DRIVER_FILES:-(default)}; validation layer: $([ -e "$layer_json" ] && echo "$layer_json" || echo none)"
        echo "tree: $(head -n 3 "$TREE/MANIFEST" 2>/dev/null | paste -sd ';')"
    } > "$WORK/machine.txt"
    cat "$WORK/machine.txt"

    step info 30 env FLAGHAL_LOADER_DEBUG=info "$PREFIX/bin/flaghal-info"
    "$PREFIX/bin/flaghal-info" --json > "$WORK/info.json" 2>/dev/null
    local cuda vulkan total
    cuda="$(devices_of cuda)"
    vulkan="$(devices_of vulkan)"
    total="$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["devices"]))' "$WORK/info.json" 2>/dev/null || echo 0)"
    echo "devices: $total ($cuda cuda, $vulkan vulkan)" | tee -a "$WORK/machine.txt"

    if [ "$cuda" -gt 0 ]; then
        # The embedded bundles, unless a PTX kernel pack was prepared.
        [ -f "$TREE/cuda-kernel-pack/pack.json" ] && SUITE_EXTRA=(--kernel-pack "$TREE/cuda-kernel-pack")
        conformance conformance-cuda 20-cuda.json
        SUITE_EXTRA=()
        step cuda-gpu-tests 120 "$TREE/bin/cuda-gpu-tests" --ignored --test-threads=1
    else
        skip conformance-cuda "no CUDA device (see info.log)"
        skip cuda-gpu-tests "no CUDA device"
    fi
    if [ "$vulkan" -gt 0 ]; then
        conformance conformance-vulkan 10-vulkan.json
    else
        skip conformance-vulkan "no Vulkan device (see info.log)"
    fi
    export TREE
    export -f examples
    step examples 90 bash -c 'examples "$1"' examples "$total"
    if [ "$bench" != none ]; then
        local bench_mode=()
        [ "$bench" = smoke ] && bench_mode=(--smoke)
        step bench 150 env FLAGHAL_LIBRARY="$PREFIX/lib/libflaghal.so.1" \
            FLAGHAL_PLUGIN_FILES="$PREFIX/lib/flaghal/plugins/libflaghal_cpu.so:$PREFIX/lib/flaghal/plugins/libflaghal_vulkan.so" \
            "$TREE/bin/flaghal-bench" "${bench_mode[@]}" --json "$WORK/bench.json" --markdown "$WORK/bench.md"
    else
        skip bench "--bench none"
    fi
    if [ "$vulkan" -gt 0 ]; then
        conformance conformance-vulkan-staging 10-vulkan.json FLAGHAL_VULKAN_FORCE_STAGING=1
        if [ -e "$layer_json" ]; then
            conformance conformance-vulkan-validation 10-vulkan.json FLAGHAL_VULKAN_VALIDATION_FATAL=1 \
                VK_INSTANCE_LAYERS=VK_LAYER_KHRONOS_validation FLAGHAL_LOADER_DEBUG=error,warn
        else
            skip conformance-vulkan-validation "no Khronos validation layer"
        fi
    fi
}

case "$mode" in
    prepare) set -e; prepare ;;
    pack) pack "${pack_args[@]}" ;;
    run) run ;;
esac
