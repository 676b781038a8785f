"""Every file in benchmarks/results/ is made by a committed script, read by code, and about no one machine."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import render  # noqa: E402
import results_files  # noqa: E402

SCRIPT = re.compile(r"(?:^|benchmarks/)(\w+\.py)\b")
# A folder of one machine, or words about how the work was organised rather than what was measured.
MACHINE_OR_WORK = re.compile(
    r"(?:^|[\s\"'=])/(?:work|root|home|tmp)/|\b(?:branch|worker|worktree)s?\b|\bi\d\d\b", re.I
)
FILES = sorted(render.RESULTS.iterdir())


def commands(found: dict) -> list[str]:
    """The commands a results file records: its own and each run's."""
    return [c for c in [found.get("command"), *(r.get("command") for r in found.get("runs", []))] if c]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_a_results_file_names_the_committed_script_that_made_it(path):
    assert path.suffix == ".json", f"{path.name}: only JSON results belong here"
    found = json.loads(path.read_text())
    assert commands(found), f"{path.name} records no command"
    for command in commands(found):
        script = SCRIPT.search(command)
        assert script and (ROOT / "benchmarks" / script.group(1)).is_file(), f"{path.name}: {command}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_a_results_file_holds_no_path_of_one_machine(path):
    found = MACHINE_OR_WORK.findall(path.read_text())
    assert not found, f"{path.name}: {found} (results_files.portable names folders by their settings)"


def test_every_results_file_is_read_by_the_renderers(monkeypatch):
    read, original = set(), Path.read_text

    def reading(self: Path, *args, **kwargs) -> str:
        if self.parent == render.RESULTS:
            read.add(self.name)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", reading)
    for cached in (results_files.result, results_files.entries, render.derived):
        cached.cache_clear()
    try:
        render.render_all(write=False)
    finally:
        for cached in (results_files.result, results_files.entries, render.derived):
            cached.cache_clear()
    read.add("smoke-bands.json")  # read by the test below
    assert {p.name for p in FILES} - read == set()


def test_the_smoke_baseline_has_the_bands_its_results_file_measured():
    measured = json.loads((render.RESULTS / "smoke-bands.json").read_text())["bands"]
    assert json.loads((ROOT / "baselines" / "smoke.json").read_text())["bands"] == measured


def test_portable_names_the_folders_a_reader_sets(monkeypatch, tmp_path):
    monkeypatch.setenv("WORKSHOP_COLA_DIR", str(tmp_path / "cola"))
    found = results_files.portable({"runs": [{"data": str(tmp_path / "cola" / "glue"), "n": 3}]})
    assert found == {"runs": [{"data": "$WORKSHOP_COLA_DIR/glue", "n": 3}]}
    assert results_files.portable(str(ROOT / "notebooks")) == "./notebooks"
    assert "$WORKSHOP_COLA_DIR" not in results_files.portable(f"{tmp_path}/cola-copy")  # whole names only


def test_the_tier_timer_reads_pytests_junit_report(tmp_path):
    import test_tiers

    report = tmp_path / "junit.xml"
    report.write_text(
        '<testsuites><testsuite tests="4" skipped="1" failures="1" errors="0" time="12.5">'
        '<testcase classname="tests.test_x" time="2.0"/><testcase classname="tests.test_x.TestY" time="1.5"/>'
        '<testcase classname="notebooks.solutions.01_goal.ipynb" time="3.0"/>'
        '<testcase classname="tests.test_z" time="6.0"/></testsuite></testsuites>'
    )
    counts = test_tiers.junit_counts(report)
    assert counts["files"] == {
        "notebooks/solutions/01_goal.ipynb": 3.0, "tests/test_x.py": 3.5, "tests/test_z.py": 6.0
    }
    summary = (counts["pytest_seconds"], counts["passed"], counts["skipped"], counts["failed"])
    assert summary == (12.5, 2, 1, 1)
