"""Shared fixtures: the phaselab command of the same build (for CSV comparisons)."""
import os
import pathlib
import shutil

import pytest

import phaselab


def _cli():
    env = os.environ.get("PHASELAB_BIN")
    if env:
        return env
    lib = pathlib.Path(phaselab.library_path()).resolve()
    for cand in (lib.parent / "phaselab", lib.parent.parent / "bin" / "phaselab"):
        if cand.is_file() and os.access(cand, os.X_OK):
            return str(cand)
    found = shutil.which("phaselab")
    if found:
        return found
    raise RuntimeError("the phaselab command was not found next to the library "
                       f"{lib}; set PHASELAB_BIN")


@pytest.fixture(scope="session")
def cli():
    return _cli()
