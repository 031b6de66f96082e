"""Helpers shared by the Python references (bench/ref_*.py): the same timing policy as
bench/bench.h + bench/bench_io.h (one untimed call that also estimates the cost, a second
warm-up for short kernels, then median / min / max of reps = clamp(target / cost, min, max)),
JSON-line output, reading the C program's case manifest and dumps, and result checks."""
import json
import os
import sys
import time

import numpy as np

QUICK = os.environ.get("PL_BENCH_QUICK", "0") not in ("", "0")
TARGET_S = 0.15 if QUICK else 0.6


def threads():
    """Thread count to give torch: the harness passes OpenBLAS's (bench_machine's) count."""
    try:
        return max(1, int(os.environ.get("PL_BENCH_THREADS", "")))
    except ValueError:
        return max(1, len(os.sched_getaffinity(0)))


def bench(fn, min_reps=5, max_reps=50, inner=1):
    """Median / min / max seconds of fn() (divided by `inner` when fn runs `inner` evaluations)."""
    t0 = time.perf_counter()
    fn()
    t1 = time.perf_counter() - t0
    want = TARGET_S / max(t1, 1e-9)
    reps = int(min(max(want, min_reps), max_reps))
    if t1 < 0.05:
        fn()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    ts.sort()
    return {"median_s": ts[reps // 2] / inner, "min_s": ts[0] / inner,
            "max_s": ts[-1] / inner, "reps": reps}


def emit(kernel, size, impl, method, t, check, err, tol, **extra):
    rec = {"kernel": kernel, "size": size, "impl": impl, "method": method}
    rec.update(t)
    rec.update({"check": bool(check), "err": float(err), "tol": tol})
    rec.update(extra)
    print(json.dumps(rec), flush=True)


def cases(outdir, prog):
    with open(os.path.join(outdir, prog + "_cases.jsonl")) as f:
        return [json.loads(line) for line in f if line.strip()]


def load(outdir, case, name):
    file, typ, rows, cols = case["files"][name]
    dt = {"f64": np.float64, "f32": np.float32, "i64": np.int64}[typ]
    a = np.fromfile(os.path.join(outdir, file), dtype=dt)
    if a.size != rows * cols:
        sys.exit(f"{file}: {a.size} elements, expected {rows} x {cols}")
    return a.reshape(rows, cols) if cols > 1 else a


def rel_err(a, ref):
    a = np.asarray(a, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    den = np.linalg.norm(ref)
    return float(np.linalg.norm(a - ref) / (den if den > 0 else 1.0))


def vec_err(V, Vref):
    """max_j (1 - |<v_j, vref_j>|) over unit columns (eigenvectors up to sign)."""
    V = np.asarray(V, dtype=np.float64)
    Vref = np.asarray(Vref, dtype=np.float64)
    V = V / np.linalg.norm(V, axis=0)
    Vref = Vref / np.linalg.norm(Vref, axis=0)
    return float(np.max(1.0 - np.abs(np.sum(V * Vref, axis=0))))


def info_line(extra=None):
    """Versions and the BLAS numpy runs (threadpoolctl when installed, else numpy's config)."""
    rec = {"kernel": "ref_info", "impl": "meta", "python": sys.version.split()[0],
           "numpy": np.__version__,
           "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", ""),
           "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE", "")}
    try:
        import scipy
        rec["scipy"] = scipy.__version__
    except ImportError:
        pass
    try:
        from threadpoolctl import threadpool_info
        rec["blas"] = [{k: p.get(k) for k in ("internal_api", "filepath", "version",
                                              "threading_layer", "architecture", "num_threads")}
                       for p in threadpool_info()]
    except ImportError:
        import contextlib
        import io
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            np.show_config()
        rec["blas"] = "threadpoolctl not installed; numpy.show_config(): " + " ".join(
            buf.getvalue().split())[:2000]
    if extra:
        rec.update(extra)
    print(json.dumps(rec), flush=True)
