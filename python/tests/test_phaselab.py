"""The Python binding against the library and its command line.

Records from phaselab.run must be bit-identical to `phaselab run ... --format csv` for the
same cells and seeds (the CSV prints metrics as the shortest decimal that reads back to the same
double, so float(text) == value is an exact comparison)."""
import csv
import ctypes
import ctypes.util
import io
import math
import os
import sqlite3
import subprocess

import numpy as np
import pytest

import phaselab


def cli_csv(cli, args):
    out = subprocess.run([cli, *args, "--format", "csv", "--jobs", "1"], check=True,
                         capture_output=True, text=True).stdout
    return list(csv.DictReader(io.StringIO(out)))


def no_wall(recs):
    """Records without their wall times (the only field that differs between two runs)."""
    return [{k: v for k, v in r.items() if k != "wall_s"} for r in recs]


def param_text(p, v):
    """A parameter value as the CSV prints it (%.15g for reals, %.0f for ints)."""
    if p.type == "choice":
        return v
    return "%.0f" % v if p.type == "int" else "%.15g" % v


def assert_same_as_cli(recs, rows, exp):
    assert len(recs) == len(rows) > 0
    for rec, row in zip(recs, rows):
        assert rec["experiment"] == row["experiment"] == exp.name
        assert rec["source"] == row["source"]
        assert ("" if rec["seed"] is None else str(rec["seed"])) == row["seed"]
        assert rec["status"] == row["status"]
        for p in exp.parameters:
            assert param_text(p, rec[p.name]) == row[p.name], p.name
        for m in exp.metrics:
            v = rec[m]
            if row[m] == "":
                assert math.isnan(v), (m, v)
            else:
                assert v == float(row[m]), (m, v, row[m])  # bit-identical


def test_version_matches_cli(cli):
    v = phaselab.version()
    assert len(v.split(".")) == 3 and all(x.isdigit() for x in v.split("."))
    out = subprocess.run([cli, "--version"], check=True, capture_output=True, text=True).stdout
    assert out.strip() == f"phaselab {v}"
    assert phaselab.__version__ == v  # the package and the library it binds move together


def test_experiments_match_cli_list(cli):
    exps = phaselab.experiments()
    out = subprocess.run([cli, "list"], check=True, capture_output=True, text=True).stdout
    assert [e.name for e in exps] == [line.split()[0] for line in out.splitlines()]
    for e in exps:
        assert e.summary and e.metrics and e.parameters
        assert len(set(e.metrics)) == len(e.metrics)
        for p in e.parameters:
            assert p.type in ("real", "int", "choice") and p.help
            if p.type == "choice":
                assert p.default in p.choices and p.lo is None
            else:
                assert (p.lo < p.default if p.lo_open else p.lo <= p.default), (e.name, p)
                assert (p.default < p.hi if p.hi_open else p.default <= p.hi), (e.name, p)
    bbp = phaselab.experiment("bbp")
    assert [p.name for p in bbp.parameters] == ["model", "beta", "alpha", "d"]
    assert bbp.parameter("model").choices == ("wigner", "wishart")
    assert bbp.parameter("d").type == "int" and bbp.parameter("d").default == 1000
    assert bbp.metrics == ["top_eig", "overlap2"]
    assert bbp.has_theory and bbp.has_simulation


@pytest.mark.parametrize("name, params, seeds", [
    ("bbp", {"model": ["wigner", "wishart"], "beta": [0.5, 2.0], "d": 80}, 3),
    ("quad-erm", {"d": 16, "alpha": np.array([0.3, 0.6])}, 2),
    ("twostep-spectrum", {"N": 100, "d": 100, "n": 100, "target": "he1,he2"}, 1),
])
def test_run_matches_cli_csv(cli, name, params, seeds):
    exp = phaselab.experiment(name)
    recs = phaselab.run(name, seeds=seeds, jobs=2, **params)
    words = []
    for k, v in params.items():
        vals = list(v) if isinstance(v, (list, np.ndarray)) else [v]
        words.append(f"{k}=" + ",".join(str(x) for x in vals))
    rows = cli_csv(cli, ["run", name, *words, "--seeds", str(seeds)])
    assert_same_as_cli(recs, rows, exp)
    # one theory record (if any) and `seeds` simulations per cell of the Cartesian product
    ncell = 1
    for v in params.values():
        ncell *= len(v) if isinstance(v, (list, np.ndarray)) else len(str(v).split(","))
    nth = len(recs.where(source="theory"))
    assert nth % ncell == 0 and len(recs) == nth + ncell * seeds


def test_seeds_and_ranges():
    a = phaselab.run("bbp", beta=range(1, 3), d=50, seeds=range(5, 7), theory=False)
    b = phaselab.run("bbp", beta=[1, 2], d=50, seeds=2, seed_base=5, theory=False)
    assert [r["seed"] for r in a] == [5, 6, 5, 6]
    assert no_wall(a) == no_wall(b)
    c = phaselab.run("bbp", beta="1:2:1", d=50, seeds=2, seed_base=5, theory=False)
    assert no_wall(a) == no_wall(c)
    with pytest.raises(phaselab.Error, match="seeds"):
        phaselab.run("bbp", seeds=range(0, 6, 2))


def test_default_sweep_matches_cli(cli):
    """The experiment's own sweep, with d overridden to keep it small (as on the command line)."""
    exp = phaselab.experiment("bbp")
    recs = phaselab.run("bbp", default_sweep=True, d=40)
    rows = cli_csv(cli, ["run", "bbp", "--default-sweep", "d=40"])
    assert_same_as_cli(recs, rows, exp)
    assert len(recs.where(source="sim:eig", beta=3.0, model="wishart")) == exp.default_seeds


def test_theory_values():
    betas = np.array([0.5, 1.5, 2.0, 3.0])
    w = phaselab.theory("bbp", model="wigner", beta=betas)
    assert all(r["source"] == "theory" and r["seed"] is None for r in w)
    above = betas > 1
    np.testing.assert_allclose(w.to_numpy("overlap2"),
                               np.where(above, 1 - 1 / betas**2, 0.0), rtol=1e-14, atol=0)
    np.testing.assert_allclose(w.to_numpy("top_eig"),
                               np.where(above, betas + 1 / betas, 2.0), rtol=1e-14, atol=0)
    alpha = 2.0
    c = phaselab.theory("bbp", model="wishart", alpha=alpha, beta=betas)
    above = alpha * betas**2 > 1
    want_ov = (1 - 1 / (alpha * betas**2)) / (1 + 1 / (alpha * betas))
    want_top = (1 + betas) * (1 + 1 / (alpha * betas))
    np.testing.assert_allclose(c.to_numpy("overlap2")[above], want_ov[above], rtol=1e-13)
    np.testing.assert_allclose(c.to_numpy("top_eig")[above], want_top[above], rtol=1e-13)
    assert np.all(c.to_numpy("overlap2")[~above] == 0)


def test_errors_carry_the_library_message():
    with pytest.raises(phaselab.Error, match=r"parameter 'beta' = -1 is out of range"):
        phaselab.run("bbp", beta=-1)
    with pytest.raises(phaselab.Error, match=r"no parameter 'betta' \(did you mean 'beta'\?\)"):
        phaselab.run("bbp", betta=2)
    with pytest.raises(phaselab.Error, match=r"'gue' is not one of wigner\|wishart"):
        phaselab.run("bbp", model="gue")
    with pytest.raises(phaselab.Error, match=r"unknown experiment 'bpp' \(did you mean 'bbp'"):
        phaselab.run("bpp")
    with pytest.raises(phaselab.Error, match="empty list"):
        phaselab.run("bbp", beta=[])
    with pytest.raises(phaselab.Error, match="cannot use dict"):
        phaselab.run("bbp", beta={"a": 1})
    with pytest.raises(phaselab.Error, match="d"):
        phaselab.run("bbp", d=1)  # below the range [2, ...]
    # a cross-parameter check, seen only when the sweep validates its cells
    with pytest.raises(phaselab.Error, match=r"link 'z1z2' has p = 2 \(got p = 3\)"):
        phaselab.theory("mim-threshold", link="z1z2", p=3)
    # an error is an Error, never a crash, and the library still works afterwards
    assert len(phaselab.theory("bbp", beta=2)) == 1


def test_store_round_trip(tmp_path, cli):
    store = str(tmp_path / "runs.db")
    params = {"beta": [0.5, 2.0], "d": 60}
    first = phaselab.run("bbp", seeds=2, store=store, **params)
    again = phaselab.run("bbp", seeds=2, store=store, **params)
    assert no_wall(first) == no_wall(again)
    assert first.stats == {"computed": 6, "loaded": 0, "failed": 0}
    assert again.stats == {"computed": 0, "loaded": 6, "failed": 0}
    stored = phaselab.read_store(store)
    assert phaselab.store_schema_version(store) >= 1
    key = lambda r: (r["source"], -1 if r["seed"] is None else r["seed"], r["beta"])  # noqa
    by_key = {key(r): r for r in first}
    assert len(stored) == len(first)
    for r in stored:
        ref = by_key[key(r)]
        for k in ("status", "model", "alpha", "d", "top_eig", "overlap2", "message"):
            assert r[k] == ref[k], k
        assert r["version"] == phaselab.version()
    # the CLI reads the same store and computes nothing
    out = subprocess.run([cli, "run", "bbp", "beta=0.5,2", "d=60", "--seeds", "2", "--store",
                          store, "--format", "none"], check=True, capture_output=True,
                         text=True).stderr
    assert f"{len(first)} loaded" in out and "0 records computed" in out
    # the runs table logs the Python call
    con = sqlite3.connect(store)
    cmds = [c for (c,) in con.execute("SELECT command FROM runs")]
    con.close()
    assert sum(c.startswith("phaselab.run('bbp'") for c in cmds) == 2
    assert len(phaselab.read_store(store, experiment="mim-gamp")) == 0


def test_read_store_is_read_only_and_checks_the_file(tmp_path):
    store = tmp_path / "s.db"
    phaselab.theory("bbp", beta=2, store=str(store))
    os.chmod(store, 0o444)
    try:
        assert len(phaselab.read_store(store)) == 1
    finally:
        os.chmod(store, 0o644)
    other = tmp_path / "other.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE meta(key TEXT, value TEXT)")
    con.execute("INSERT INTO meta VALUES ('app', 'else')")
    con.commit()
    con.close()
    with pytest.raises(phaselab.Error, match="not a phaselab store"):
        phaselab.read_store(other)
    with pytest.raises(phaselab.Error, match="no such file"):
        phaselab.read_store(tmp_path / "absent.db")


def test_records_columns_numpy_pandas():
    recs = phaselab.run("bbp", beta=[0.5, 2.0], d=40, seeds=2)
    cols = recs.columns()
    assert list(cols) == ["experiment", "source", "seed", "status", "model", "beta", "alpha",
                          "d", "top_eig", "overlap2", "message", "wall_s"]
    assert cols["top_eig"].dtype == np.float64 and cols["top_eig"].shape == (6,)
    seeds = recs.to_numpy("seed")
    assert np.isnan(seeds[0]) and list(seeds[1:3]) == [0, 1]
    assert list(recs.to_numpy("source")) == ["theory", "sim:eig", "sim:eig"] * 2
    assert isinstance(recs[:2], phaselab.Records) and len(recs[:2]) == 2
    with pytest.raises(KeyError, match="no column 'gap'"):
        recs.to_numpy("gap")
    try:
        import pandas  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="pandas"):
            recs.to_pandas()
    else:
        df = recs.to_pandas()
        assert list(df.columns) == list(cols) and len(df) == 6


def test_blas_thread_count_is_restored():
    """The library sets its own BLAS thread count for a sweep and gives the caller's back."""
    blas = ctypes.CDLL(ctypes.util.find_library("openblas") or "libopenblas.so.0")
    blas.openblas_get_num_threads.restype = ctypes.c_int
    before = blas.openblas_get_num_threads()
    blas.openblas_set_num_threads(3)
    try:
        phaselab.run("bbp", d=40, seeds=1, blas_threads=1)
        assert blas.openblas_get_num_threads() == 3
    finally:
        blas.openblas_set_num_threads(before)


def test_library_search_names_what_it_searched(monkeypatch, tmp_path):
    monkeypatch.setenv("PHASELAB_LIB", str(tmp_path / "nowhere" / "libphaselab.so"))
    with pytest.raises(phaselab.LibraryNotFound, match="PHASELAB_LIB=.*nowhere"):
        phaselab.find_library()
    monkeypatch.setenv("PHASELAB_LIB", phaselab.library_path())
    assert phaselab.find_library() == phaselab.library_path()
