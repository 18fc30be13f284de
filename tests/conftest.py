"""Shared test set-up: Prefect in a throw-away home, golden-file regeneration, the ../shared corpus.

Prefect is configured here, before any test module imports it: analytics off, quiet logs, and a
per-session temporary PREFECT_HOME so that tests never touch ~/.prefect. PREFECT_API_URL is left
unset (local mode: Prefect starts a temporary server by itself).
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

_PREFECT_HOME = tempfile.mkdtemp(prefix="xxgk-prefect-home-")
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
if os.environ.get("PREFECT_API_URL") == "":
    del os.environ["PREFECT_API_URL"]

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--regen-golden", action="store_true", default=False,
                     help="rewrite every *.expected.json golden file from the current output "
                          "(also: XXGK_REGEN_GOLDEN=1); review the diff before committing")


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_PREFECT_HOME, ignore_errors=True)


@pytest.fixture(scope="session")
def regen_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--regen-golden")) or os.environ.get("XXGK_REGEN_GOLDEN") == "1"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared beside the checkout (spec and real corpus); tests using it skip when absent."""
    if not SHARED.is_dir():
        pytest.skip(f"../shared not found at {SHARED}: the real corpus and spec live beside the checkout "
                    "and are never copied into the repo")
    return SHARED


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return ROOT / "data" / "samples"
