"""Reading a phaselab store (SQLite) with Python's sqlite3, read-only."""
import json
import pathlib
import sqlite3
import urllib.parse

from ._errors import Error
from ._records import Records


def _connect(path):
    p = pathlib.Path(path)
    if not p.is_file():
        raise Error(f"store {path}: no such file")
    uri = "file:" + urllib.parse.quote(str(p.resolve())) + "?mode=ro"
    try:
        return sqlite3.connect(uri, uri=True)
    except sqlite3.Error as exc:
        raise Error(f"store {path}: {exc}") from exc


def _param_types(name, cache):
    """{parameter: type} of an experiment the loaded library knows ({} otherwise, e.g. when the
    library cannot be loaded: values then stay as the JSON has them)."""
    if name not in cache:
        try:
            from . import experiment as lookup
            cache[name] = {p.name: p.type for p in lookup(name).parameters}
        except Error:
            cache[name] = {}
    return cache[name]


def _typed(value, ptype):
    if ptype == "real" and isinstance(value, int):
        return float(value)
    return value


def read_store(path, experiment=None):
    """Every record of the store at `path` (or those of one experiment) as Records, in the
    order they were stored. Parameters and metrics come from the stored JSON (exact numbers);
    the store is opened read-only, so a sweep may be writing it at the same time."""
    con = _connect(path)
    try:
        try:
            meta = dict(con.execute("SELECT key, value FROM meta"))
        except sqlite3.Error as exc:
            raise Error(f"store {path}: not a phaselab store ({exc})") from exc
        if meta.get("app") != "phaselab":
            raise Error(f"store {path}: not a phaselab store (app = {meta.get('app')!r})")
        cur = con.execute("SELECT * FROM records" +
                          (" WHERE experiment = ?" if experiment else "") + " ORDER BY rowid",
                          (experiment,) if experiment else ())
        cols = [d[0] for d in cur.description]
        rows, types = [], {}
        for values in cur:
            row = dict(zip(cols, values))
            seed = row.get("seed")
            rec = {
                "experiment": row.get("experiment"),
                "source": row.get("source"),
                "seed": seed if seed is not None and seed >= 0 else None,
                "status": row.get("status"),
            }
            ptypes = _param_types(rec["experiment"], types)
            params = json.loads(row.get("params") or "{}")
            rec.update({k: _typed(v, ptypes.get(k)) for k, v in params.items()})
            metrics = json.loads(row.get("metrics") or "{}")
            rec.update({k: float("nan") if v is None else float(v) if isinstance(v, int) else v
                        for k, v in metrics.items()})
            rec["message"] = row.get("message") or ""
            rec["wall_s"] = row.get("wall")
            rec["version"] = row.get("version")
            rows.append(rec)
        return Records(rows)
    except sqlite3.Error as exc:
        raise Error(f"store {path}: {exc}") from exc
    finally:
        con.close()


def store_schema_version(path):
    """The store's schema version (an int)."""
    con = _connect(path)
    try:
        (v,) = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(v)
    finally:
        con.close()


__all__ = ["read_store", "store_schema_version"]
