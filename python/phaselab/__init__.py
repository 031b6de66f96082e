"""phaselab from Python: run the library's experiments and theory, read its stores.

A thin ctypes binding over libphaselab.so (numpy for arrays, pandas optional):

    >>> import phaselab
    >>> recs = phaselab.run("bbp", beta=[0.5, 1, 2], d=400, seeds=3)
    >>> recs.where(source="theory").to_numpy("overlap2")
    array([0.  , 0.  , 0.75])
    >>> phaselab.theory("bbp", model="wishart", alpha=2, beta=2)[0]["top_eig"]

Parameters take a scalar (number or choice name), a list / tuple / range / numpy array, or a
string in the command line's syntax ("0.5:3:0.5", "wigner,wishart"); a sweep is the Cartesian
product of every parameter's values. Records are exactly those of `phaselab run ... --format
csv` for the same cell and seed.

The library is looked up in $PHASELAB_LIB (a file or folder), then the build/ folder of the
source checkout this package lies in, then the installed prefixes, then the system's library
path (ctypes.util.find_library).
"""
import ctypes
import math
import numbers
import os

import numpy as np

from ._errors import Error, LibraryNotFound
from ._lib import find_library, lib, text, check
from ._records import Records, BASE_COLUMNS, TAIL_COLUMNS
from ._store import read_store, store_schema_version

__version__ = "0.1.0"  # the library version this package is written for (pl_version())

__all__ = ["Error", "LibraryNotFound", "Records", "Experiment", "Parameter", "version",
           "library_path", "experiments", "experiment", "run", "theory", "read_store",
           "store_schema_version", "find_library"]

_TYPES = {0: "real", 1: "int", 2: "choice"}


def version():
    """The version of the loaded libphaselab ("major.minor.patch")."""
    return text(lib().pl_version())


def library_path():
    """Path of the loaded libphaselab.so."""
    return lib().path


class Parameter:
    """A parameter of an experiment: name, type ("real", "int", "choice"), default, valid
    range lo..hi (lo_open / hi_open: excluded ends; None for choices), choices (tuple of names
    or None) and help text."""

    __slots__ = ("name", "type", "default", "lo", "hi", "lo_open", "hi_open", "choices",
                 "help")

    def __init__(self, L, e, i):
        self.name = text(L.pl_experiment_param_name(e, i))
        self.type = _TYPES[L.pl_experiment_param_type(e, i)]
        self.help = text(L.pl_experiment_param_help(e, i))
        d = L.pl_experiment_param_default(e, i)
        if self.type == "choice":
            buf = ctypes.create_string_buffer(8192)
            self.choices = tuple(text(L.pl_param_choices(e, i, buf, len(buf))).split("|"))
            self.default = self.choices[int(d)]
            self.lo = self.hi = None
            self.lo_open = self.hi_open = False
        else:
            lo, hi = ctypes.c_double(), ctypes.c_double()
            lo_open, hi_open = ctypes.c_int(), ctypes.c_int()
            L.pl_experiment_param_range(e, i, ctypes.byref(lo), ctypes.byref(hi),
                                        ctypes.byref(lo_open), ctypes.byref(hi_open))
            self.choices = None
            self.default = int(d) if self.type == "int" else d
            self.lo, self.hi = lo.value, hi.value
            self.lo_open, self.hi_open = bool(lo_open.value), bool(hi_open.value)

    def value(self, x):
        """A C value of this parameter (choice index) as the Python value records carry."""
        if self.type == "choice":
            return self.choices[int(x)]
        return int(x) if self.type == "int" else float(x)

    def as_dict(self):
        return {k: getattr(self, k) for k in self.__slots__}

    def __repr__(self):
        if self.type == "choice":
            rng = "|".join(self.choices)
        else:
            rng = (f"{'(' if self.lo_open else '['}{self.lo:g}, {self.hi:g}"
                   f"{')' if self.hi_open else ']'}")
        return f"<Parameter {self.name}: {self.type} {rng}, default {self.default!r}>"


class Experiment:
    """An experiment of the library: name, summary, description, parameters (list of
    Parameter), metrics (list of names), has_theory, has_simulation, default_sweep (the
    command line's key=grid words) and default_seeds."""

    def __init__(self, ptr):
        L = lib()
        self._ptr = ptr
        self.name = text(L.pl_experiment_name(ptr))
        self.summary = text(L.pl_experiment_summary(ptr))
        self.description = text(L.pl_experiment_description(ptr))
        self.has_theory = bool(L.pl_experiment_has_theory(ptr))
        self.has_simulation = bool(L.pl_experiment_has_sim(ptr))
        self.default_sweep = text(L.pl_experiment_default_sweep(ptr))
        self.default_seeds = L.pl_experiment_default_seeds(ptr)
        self.parameters = [Parameter(L, ptr, i) for i in range(L.pl_experiment_n_params(ptr))]
        self.metrics = [text(L.pl_metric_name(ptr, k))
                        for k in range(L.pl_experiment_n_metrics(ptr))]

    def parameter(self, name):
        for p in self.parameters:
            if p.name == name:
                return p
        raise KeyError(f"experiment '{self.name}' has no parameter '{name}'")

    def __repr__(self):
        return (f"<Experiment {self.name}: parameters {[p.name for p in self.parameters]}, "
                f"metrics {self.metrics}>")


def experiments():
    """Every experiment of the library, in the registry's order."""
    L = lib()
    return [Experiment(L.pl_experiment_at(i)) for i in range(L.pl_experiment_count())]


def experiment(name):
    """The experiment called `name` (Error with a "did you mean" when there is none)."""
    L = lib()
    err = ctypes.create_string_buffer(512)
    ptr = L.pl_experiment_lookup(str(name).encode(), err, len(err))
    if not ptr:
        raise Error(text(err.value))
    return Experiment(ptr)


def _value_text(v, name):
    """One value in the library's syntax: numbers exactly (shortest round-trip decimal)."""
    if isinstance(v, (bool, np.bool_)):
        return "1" if v else "0"
    if isinstance(v, numbers.Integral):
        return str(int(v))
    if isinstance(v, numbers.Real):
        f = float(v)
        if math.isnan(f):
            raise Error(f"parameter '{name}': NaN is not a value")
        return repr(f)
    if isinstance(v, str):
        return v
    raise Error(f"parameter '{name}': cannot use {type(v).__name__} {v!r} as a value")


def _grid_word(name, value):
    """The key=value word of a scalar, a sequence (list / tuple / range / array) or a string
    in the command line's syntax."""
    if isinstance(value, (str, numbers.Number, np.bool_)):
        return f"{name}={_value_text(value, name)}"
    if isinstance(value, (dict, set, frozenset)):
        raise Error(f"parameter '{name}': cannot use {type(value).__name__} {value!r} as a "
                    "value or a list of values (use a list, tuple, range or array)")
    if isinstance(value, np.ndarray):
        value = value.ravel().tolist()
    try:
        values = list(value)
    except TypeError:
        raise Error(f"parameter '{name}': cannot use {type(value).__name__} {value!r} as a "
                    "value or a list of values") from None
    if not values:
        raise Error(f"parameter '{name}': empty list of values")
    return f"{name}=" + ",".join(_value_text(v, name) for v in values)


def _seed_range(seeds, seed_base):
    """(count, base) from an int count (seeds base .. base + count - 1) or a range of step 1."""
    if isinstance(seeds, range):
        if seeds.step != 1 and len(seeds) > 1:
            raise Error("seeds: a range of seeds must have step 1")
        return len(seeds), (seeds.start if len(seeds) else 0)
    if isinstance(seeds, numbers.Integral) and not isinstance(seeds, bool):
        return int(seeds), int(seed_base)
    raise Error(f"seeds must be a count or a range, got {seeds!r}")


class _Job:
    """Owns a pl_job for the duration of one run."""

    def __init__(self, name):
        self.L = lib()
        err = ctypes.create_string_buffer(512)
        self.ptr = self.L.pl_job_new(str(name).encode(), err, len(err))
        if not self.ptr:
            raise Error(text(err.value))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        p = ctypes.c_void_p(self.ptr)
        self.L.pl_job_free(ctypes.byref(p))
        self.ptr = None

    def records(self, exp):
        L, j = self.L, self.ptr
        n = L.pl_job_count(j)
        npar, nmet = len(exp.parameters), len(exp.metrics)
        params = np.zeros((n, npar), dtype=np.float64)
        metrics = np.zeros((n, nmet), dtype=np.float64)
        seeds = np.zeros(n, dtype=np.dtype(ctypes.c_long))
        statuses = np.zeros(n, dtype=np.intc)
        walls = np.zeros(n, dtype=np.float64)
        if n:
            L.pl_job_params(j, params.ctypes.data)
            L.pl_job_metrics(j, metrics.ctypes.data)
            L.pl_job_seeds(j, seeds.ctypes.data)
            L.pl_job_statuses(j, statuses.ctypes.data)
            L.pl_job_walls(j, walls.ctypes.data)
        status_names = {}
        rows = []
        for r in range(n):
            st = int(statuses[r])
            if st not in status_names:
                status_names[st] = text(L.pl_rec_status_name(st))
            rec = {
                "experiment": exp.name,
                "source": text(L.pl_job_source(j, r)),
                "seed": int(seeds[r]) if seeds[r] >= 0 else None,
                "status": status_names[st],
            }
            for i, p in enumerate(exp.parameters):
                rec[p.name] = p.value(params[r, i])
            for k, m in enumerate(exp.metrics):
                rec[m] = float(metrics[r, k])
            rec["message"] = text(L.pl_job_message(j, r))
            rec["wall_s"] = float(walls[r])
            rows.append(rec)
        counts = [ctypes.c_size_t() for _ in range(3)]
        L.pl_job_stats(j, *(ctypes.byref(c) for c in counts))
        stats = dict(zip(("computed", "loaded", "failed"), (c.value for c in counts)))
        names = (list(BASE_COLUMNS) + [p.name for p in exp.parameters] + list(exp.metrics)
                 + list(TAIL_COLUMNS))
        return Records(rows, names, stats)


def run(name, seeds=None, store=None, *, seed_base=0, theory=True, simulate=True, jobs=None,
        blas_threads=1, continue_along=None, direction="up", default_sweep=False, **params):
    """Run experiment `name` over the Cartesian product of the parameters' values: theory
    records (when the experiment has theory and theory=True) and `seeds` simulations per cell
    (seeds seed_base .. seed_base + seeds - 1, or a range of seeds; default 1). Returns Records in cell
    order (last parameter varying fastest; per cell theory first, then the seeds); their
    .stats say how many were computed, loaded from the store, and did not converge.

    store: path of a SQLite store to write and resume from (as `phaselab run --store`).
    jobs: local worker threads (default: every core; records do not depend on it);
    blas_threads: BLAS threads per task (records are bit-identical for a fixed value);
    continue_along / direction: theory continuation ("up" or "down") along a parameter.
    default_sweep=True: start from the experiment's own sweep (`phaselab run EXP
    --default-sweep`: its grid, and its seeds unless `seeds` is given); params override it.
    Invalid input raises phaselab.Error with the library's message."""
    exp = experiment(name)
    if default_sweep and not exp.default_sweep:
        raise Error(f"experiment '{exp.name}' has no default sweep")
    if seeds is None:
        seeds = exp.default_seeds if default_sweep else 1
    count, base = _seed_range(seeds, seed_base)
    if direction not in ("up", "down"):
        raise Error(f"direction must be 'up' or 'down', got {direction!r}")
    if jobs is None:
        jobs = os.cpu_count() or 1
    with _Job(exp.name) as job:
        L, j = job.L, job.ptr
        if default_sweep:
            for word in exp.default_sweep.split():
                check(L.pl_job_set(j, word.encode()), j)
        for key, value in params.items():
            if value is None:
                continue
            check(L.pl_job_set(j, _grid_word(key, value).encode()), j)
        check(L.pl_job_set_seeds(j, count, base), j)
        L.pl_job_set_sources(j, int(bool(theory)), int(bool(simulate)))
        L.pl_job_set_threads(j, int(jobs), int(blas_threads))
        if continue_along is not None or direction != "up":
            check(L.pl_job_set_continuation(
                j, None if continue_along is None else str(continue_along).encode(),
                int(direction == "down")), j)
        if store is not None:
            words = "".join(f", {k}={v!r}" for k, v in params.items())
            command = f"phaselab.run({exp.name!r}, seeds={seeds!r}{words})"
            check(L.pl_job_set_store(j, os.fsencode(store), command.encode()), j)
        check(L.pl_job_run(j), j)
        return job.records(exp)


def theory(name, store=None, *, continue_along=None, direction="up", **params):
    """The theory records of experiment `name` over the parameters' grid (no simulation)."""
    exp = experiment(name)
    if not exp.has_theory:
        raise Error(f"experiment '{exp.name}' has no theory")
    return run(exp.name, seeds=0, store=store, simulate=False, jobs=1,
               continue_along=continue_along, direction=direction, **params)
