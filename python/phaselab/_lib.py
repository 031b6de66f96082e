"""Finding and loading libphaselab.so, and the ctypes signatures of the functions used.

Only pointers, numbers and strings cross the boundary: experiments and jobs are opaque
pointers read through accessor functions (phaselab/job.h), so that the binding does not
depend on the layout of the library's structs.
"""
import ctypes
import ctypes.util
import os
import pathlib
import sys
import sysconfig

from ._errors import Error, LibraryNotFound

_SONAMES = ("libphaselab.so", "libphaselab.so.0")


def _checkout_build_dirs():
    """build/ of the source checkout this package lies in (python/phaselab/ inside it)."""
    root = pathlib.Path(__file__).resolve().parents[2]
    if (root / "CMakeLists.txt").is_file() and (root / "include" / "phaselab").is_dir():
        return [root / "build"]
    return []


def _prefix_dirs():
    """Library folders of the installed prefixes (cmake --install's default is /usr/local)."""
    multiarch = sysconfig.get_config_var("MULTIARCH")
    dirs = []
    for prefix in dict.fromkeys([sys.prefix, sys.base_prefix, "/usr/local", "/usr"]):
        for lib in ["lib", "lib64"] + ([f"lib/{multiarch}"] if multiarch else []):
            dirs.append(pathlib.Path(prefix) / lib)
    return dirs


def find_library():
    """Path of the libphaselab.so to load: $PHASELAB_LIB (a file, or a folder holding it), else
    the build/ folder of the checkout this package lies in, else the installed prefixes, else
    ctypes.util.find_library. LibraryNotFound names every place searched."""
    searched = []
    env = os.environ.get("PHASELAB_LIB")
    if env:
        p = pathlib.Path(env)
        for cand in ([p / so for so in _SONAMES] if p.is_dir() else [p]):
            if cand.is_file():
                return str(cand)
        searched.append(f"PHASELAB_LIB={env} (no such file)")
    else:
        searched.append("PHASELAB_LIB (not set)")
        build = _checkout_build_dirs()
        searched.append("the checkout's build folder: " +
                        (str(build[0]) if build else "none (this package is not in a checkout)"))
        prefixes = _prefix_dirs()
        searched.append("installed prefixes: " + ", ".join(str(d) for d in prefixes))
        for d in build + prefixes:
            for so in _SONAMES:
                if (d / so).is_file():
                    return str(d / so)
        found = ctypes.util.find_library("phaselab")
        if found:
            return found
        searched.append("ctypes.util.find_library('phaselab'): nothing")
    raise LibraryNotFound(
        "libphaselab.so not found; build it (cmake -S . -B build && cmake --build build), "
        "install it (cmake --install build), or set PHASELAB_LIB to its path. Searched:\n  " +
        "\n  ".join(searched))


_c = ctypes
_P = _c.c_void_p
_S = _c.c_char_p
_Z = _c.c_size_t
_SIGNATURES = {
    "pl_version": (_S, []),
    "pl_strerror": (_S, [_c.c_int]),
    "pl_rec_status_name": (_S, [_c.c_int]),
    "pl_experiment_count": (_Z, []),
    "pl_experiment_at": (_P, [_Z]),
    "pl_experiment_lookup": (_P, [_S, _c.c_char_p, _Z]),
    "pl_experiment_name": (_S, [_P]),
    "pl_experiment_summary": (_S, [_P]),
    "pl_experiment_description": (_S, [_P]),
    "pl_experiment_has_theory": (_c.c_int, [_P]),
    "pl_experiment_has_sim": (_c.c_int, [_P]),
    "pl_experiment_default_sweep": (_S, [_P]),
    "pl_experiment_default_seeds": (_c.c_int, [_P]),
    "pl_experiment_n_params": (_Z, [_P]),
    "pl_experiment_n_metrics": (_Z, [_P]),
    "pl_metric_name": (_S, [_P, _Z]),
    "pl_experiment_param_name": (_S, [_P, _Z]),
    "pl_experiment_param_type": (_c.c_int, [_P, _Z]),
    "pl_experiment_param_default": (_c.c_double, [_P, _Z]),
    "pl_experiment_param_range": (None, [_P, _Z, _c.POINTER(_c.c_double),
                                         _c.POINTER(_c.c_double), _c.POINTER(_c.c_int),
                                         _c.POINTER(_c.c_int)]),
    "pl_param_choices": (_S, [_P, _c.c_int, _c.c_char_p, _Z]),
    "pl_experiment_param_help": (_S, [_P, _Z]),
    "pl_job_new": (_P, [_S, _c.c_char_p, _Z]),
    "pl_job_free": (None, [_c.POINTER(_P)]),
    "pl_job_experiment": (_P, [_P]),
    "pl_job_set": (_c.c_int, [_P, _S]),
    "pl_job_set_seeds": (_c.c_int, [_P, _c.c_int, _c.c_long]),
    "pl_job_set_sources": (None, [_P, _c.c_int, _c.c_int]),
    "pl_job_set_threads": (None, [_P, _c.c_int, _c.c_int]),
    "pl_job_set_store": (_c.c_int, [_P, _S, _S]),
    "pl_job_set_continuation": (_c.c_int, [_P, _S, _c.c_int]),
    "pl_job_run": (_c.c_int, [_P]),
    "pl_job_error": (_S, [_P]),
    "pl_job_stats": (None, [_P, _c.POINTER(_Z), _c.POINTER(_Z), _c.POINTER(_Z)]),
    "pl_job_count": (_Z, [_P]),
    "pl_job_params": (None, [_P, _P]),
    "pl_job_metrics": (None, [_P, _P]),
    "pl_job_seeds": (None, [_P, _P]),
    "pl_job_statuses": (None, [_P, _P]),
    "pl_job_walls": (None, [_P, _P]),
    "pl_job_source": (_S, [_P, _Z]),
    "pl_job_message": (_S, [_P, _Z]),
}

_lib = None


def lib():
    """The loaded library (loaded on first use, so that `import phaselab` never fails)."""
    global _lib
    if _lib is None:
        path = find_library()
        try:
            handle = ctypes.CDLL(path)
        except OSError as exc:
            raise LibraryNotFound(f"cannot load {path}: {exc}") from exc
        missing = [name for name in _SIGNATURES if not hasattr(handle, name)]
        if missing:
            raise LibraryNotFound(f"{path} lacks {', '.join(missing)}: it is older than this "
                                  "Python package; rebuild the library")
        for name, (res, args) in _SIGNATURES.items():
            fn = getattr(handle, name)
            fn.restype = res
            fn.argtypes = args
        handle.path = path
        _lib = handle
    return _lib


def text(b):
    """C string (bytes or None) as str or None."""
    return None if b is None else b.decode("utf-8", "replace")


def check(status, job):
    """Raise Error with the job's message when a status is not PL_OK."""
    if status != 0:
        L = lib()
        msg = text(L.pl_job_error(job)) or text(L.pl_strerror(status))
        raise Error(msg, status=text(L.pl_strerror(status)))
