"""Paths for the package's tests: the built `mmfusion` program (FUSION_BUILD_DIR or build/) for the
comparisons with the command line, and the real data of ../shared/data/real (skipped when absent)."""
import os
import shutil

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BUILD = os.environ.get("FUSION_BUILD_DIR", os.path.join(ROOT, "build"))
REAL = os.path.join(ROOT, "..", "shared", "data", "real")


@pytest.fixture(scope="session")
def cli():
    path = os.path.join(BUILD, "bin", "mmfusion")
    if not os.path.exists(path):
        pytest.skip("no mmfusion program at %s (scripts/setup.sh builds it)" % path)
    return path


@pytest.fixture(scope="session")
def real():
    if not os.path.exists(os.path.join(REAL, "pairs.csv")):
        pytest.skip("no real data at %s" % REAL)
    return REAL


@pytest.fixture
def tmp(tmp_path):
    yield str(tmp_path)
    shutil.rmtree(str(tmp_path), ignore_errors=True)
