# The numpy baseline of flaghal-bench's matmul rows (src/matmul_numpy.rs
# runs it as `python3 -c`). Line protocol on stdin/stdout, one reply line per
# command, so the bench alternates its samples with FlagHAL's:
#   (start)        -> "ready {json}"  numpy's version and BLAS, or "missing REASON"
#   "size M N K"   -> "checksum X"    builds a, b like src/matmul_host.rs,
#                                     one untimed product, its checksum
#   "run"          -> "seconds S"     one timed np.matmul(a, b, out=c)
import json, os, sys, time

try:
    import numpy as np
except ImportError as e:
    print("missing", e, flush=True)
    sys.exit(0)


def blas_config():
    """numpy's build configuration of BLAS (numpy >= 1.26: show_config dicts;
    older: numpy.__config__'s blas_opt_info)."""
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return "%s %s" % (blas.get("name", "?"), blas.get("version", ""))
    except TypeError:
        info = np.__config__.get_info("blas_opt_info") or np.__config__.get_info("blas_ilp64_opt_info")
        return "libraries %s" % ",".join(info.get("libraries", [])) if info else "unknown"


def loaded_blas():
    """The BLAS shared libraries this process actually mapped (the Debian
    alternative libblas.so.3 resolves to the reference BLAS or OpenBLAS)."""
    found = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1]
            if "blas" in os.path.basename(path).lower():
                found.add(os.path.realpath(path))
    return sorted(found)


a = b = c = None
x = np.ones((64, 64), dtype=np.float32)
x @ x  # maps the BLAS library
print("ready", json.dumps({"numpy": np.__version__, "blas_config": blas_config(), "blas_loaded": loaded_blas()}), flush=True)
for line in sys.stdin:
    words = line.split()
    if words and words[0] == "size":
        m, n, k = map(int, words[1:4])
        a = (((np.arange(m * k, dtype=np.int64) * 7 + 3) % 9) - 4).astype(np.float32).reshape(m, k)
        b = (((np.arange(k * n, dtype=np.int64) * 5 + 1) % 7) - 3).astype(np.float32).reshape(k, n)
        c = np.full((m, n), np.nan, dtype=np.float32)
        np.matmul(a, b, out=c)
        weights = (np.arange(m * n, dtype=np.int64) % 13 + 1).astype(np.float64)
        print("checksum", repr(float((c.reshape(-1).astype(np.float64) * weights).sum())), flush=True)
    elif words == ["run"]:
        start = time.perf_counter()
        np.matmul(a, b, out=c)
        print("seconds", repr(time.perf_counter() - start), flush=True)
    else:
        print("error unknown command", line.strip(), flush=True)
