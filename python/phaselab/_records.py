"""Records: a list of dicts (one per record, tidy) with columnar views."""
import math

import numpy as np

# Columns every record has, in the order of the command line's CSV (then message, wall time).
BASE_COLUMNS = ("experiment", "source", "seed", "status")
TAIL_COLUMNS = ("message", "wall_s")


class Records(list):
    """A list of records, each a dict: experiment, source ("theory", "theory:down",
    "sim:<algorithm>"), seed (None for theory), status ("converged", "not_converged",
    "diverged", "failed"), every parameter by name (choices by name), every metric by name
    (NaN when not produced), message and wall_s.

    Records.to_numpy(name) gives one column as a numpy array, Records.columns() every column
    (a dict name -> array), Records.to_pandas() a DataFrame when pandas is installed, and
    Records.where(source="theory", beta=2) the records matching every condition."""

    def __init__(self, rows=(), names=None, stats=None):
        super().__init__(rows)
        self._names = list(names) if names is not None else None
        # for the records of phaselab.run: {"computed": n, "loaded": n (from the store),
        # "failed": n (not converged, diverged or failed)}
        self.stats = dict(stats) if stats else {}

    def column_names(self):
        """Column names in a stable order: base columns, parameters, metrics, message, wall_s
        (for records read from a store with several experiments: the union, in first-seen
        order)."""
        if self._names is not None:
            return list(self._names)
        names = {}
        for r in self:
            for k in r:
                names.setdefault(k, None)
        return list(names)

    def to_numpy(self, name):
        """Column `name` (a metric, a parameter, seed, wall_s, ...) as a numpy array: float64
        for numbers (NaN where missing, seed None -> NaN), else an object array."""
        values = [r.get(name) for r in self]
        if name not in self.column_names():
            raise KeyError(f"no column '{name}' (columns: {', '.join(self.column_names())})")
        if all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool))
               for v in values):
            return np.array([math.nan if v is None else float(v) for v in values],
                            dtype=np.float64)
        out = np.empty(len(values), dtype=object)
        out[:] = values
        return out

    def columns(self):
        """Every column as {name: numpy array} (see to_numpy), e.g. for pandas or plotting."""
        return {name: self.to_numpy(name) for name in self.column_names()}

    def to_pandas(self):
        """A pandas.DataFrame with one row per record (pandas is optional: ImportError with a
        hint when it is not installed)."""
        try:
            import pandas
        except ImportError as exc:
            raise ImportError("Records.to_pandas needs pandas (apt-get install python3-pandas); "
                              "Records.columns() gives the same columns as numpy arrays") from exc
        return pandas.DataFrame(list(self), columns=self.column_names())

    def where(self, **conditions):
        """The records whose fields equal every given value."""
        return Records((r for r in self if all(r.get(k) == v for k, v in conditions.items())),
                       self._names)

    def __getitem__(self, i):
        got = super().__getitem__(i)
        return Records(got, self._names) if isinstance(i, slice) else got

    def __repr__(self):
        return f"<phaselab.Records: {len(self)} records, columns {self.column_names()}>"
