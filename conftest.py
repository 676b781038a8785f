"""Run everything offline in the smoke profile, with artifacts in a fresh temporary folder; two test tiers."""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

os.environ["WORKSHOP_PROFILE"] = "smoke"
OUTPUT_DIR = tempfile.mkdtemp(prefix="workshop-test-")  # the session's artifacts, removed at its end
os.environ["WORKSHOP_OUTPUT_DIR"] = OUTPUT_DIR
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove the session's artifact folder: a test run leaves nothing behind in the temporary folder."""
    shutil.rmtree(OUTPUT_DIR, ignore_errors=True)


def pytest_addoption(parser: pytest.Parser) -> None:
    """`--all`: the whole suite (what CI runs); without it, the default tier."""
    parser.addoption(
        "--all", action="store_true", help="also run the tests marked extended (CI's tier)"
    )


def pytest_ignore_collect(collection_path: Path) -> bool | None:
    """The learner notebooks run in the smoke chain (tests/test_notebooks.py checks their marked cells); the
    reference outputs are stand-in runs to read, not to rerun (tests/test_reference_outputs.py)."""
    if collection_path == NOTEBOOKS / "reference":
        return True
    if collection_path.parent == NOTEBOOKS and collection_path.suffix == ".ipynb":
        return True
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the solution notebooks (nbval) as extended; leave extended tests out of the default tier."""
    for item in items:
        if Path(str(item.fspath)).is_relative_to(NOTEBOOKS):  # nbval: the solution notebooks
            item.add_marker(pytest.mark.extended)
    if config.getoption("--all"):
        return
    kept = [item for item in items if "extended" not in item.keywords]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept
