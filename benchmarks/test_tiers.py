"""How long each test tier takes: the default tier and `--all` as CI runs it, each in a fresh clone.

Each tier clones this checkout's last commit (uncommitted changes are not in it) into a new folder beside
the checkout, so that `../shared` (the real CoLA, GPT-2's tokenizer) is found as from the checkout, and
times there:

    default  `./workshop.sh test` from a set-up .venv (`./workshop.sh --help` sets it up first, timed apart)
    all      `CI=true bash .ci/run`: a new .venv, then ruff and every test, as CI runs it

pytest writes a JUnit XML report (through PYTEST_ADDOPTS, so neither command changes), from which the
results file takes pytest's own seconds, the passed, skipped and failed counts, and each test file's
seconds (tests/test_browser.py, tests/test_hub_class.py, ...). The clone is removed afterwards. Use a quiet
machine: the load before and after each tier is recorded.

    python benchmarks/test_tiers.py --tiers default all --json benchmarks/results/test-tiers.json
    python benchmarks/test_tiers.py --tiers default --only tests/test_links.py --json $TMPDIR/tiers.json

`--only FILE ...` runs only those test files (to check this script); such a file is never rendered.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from results_files import PLACES
from train_speed import load, machine, origin, publish  # same script folder

ROOT = Path(__file__).resolve().parent.parent
TIERS = {
    "default": (["./workshop.sh", "test"], {}),
    "all": (["bash", ".ci/run"], {"CI": "true"}),
}


def file_of(classname: str) -> str:
    """The test file of a JUnit test case's class name: tests.test_x.TestY -> tests/test_x.py;
    notebooks.01_goal.ipynb (nbval) -> notebooks/01_goal.ipynb."""
    parts = classname.split(".")
    if "ipynb" in parts[1:]:
        at = parts.index("ipynb")
        return "/".join(parts[: at - 1] + [f"{parts[at - 1]}.ipynb"])
    module = next((i for i, part in enumerate(parts) if part.startswith("test_")), len(parts) - 1)
    return "/".join(parts[: module + 1]) + ".py"


def junit_counts(path: Path) -> dict:
    """pytest's seconds, the counts and each test file's seconds from a JUnit XML report."""
    root = ET.parse(path).getroot()
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    tests, skipped = int(suite.get("tests", 0)), int(suite.get("skipped", 0))
    failed, errors = int(suite.get("failures", 0)), int(suite.get("errors", 0))
    files: dict[str, float] = {}
    for case in suite.iter("testcase"):
        name = file_of(case.get("classname", ""))
        files[name] = round(files.get(name, 0.0) + float(case.get("time", 0)), 2)
    return {
        "pytest_seconds": round(float(suite.get("time", 0)), 1),
        "tests": tests,
        "passed": tests - skipped - failed - errors,
        "skipped": skipped,
        "failed": failed,
        "errors": errors,
        "files": dict(sorted(files.items())),
    }


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int, str]:
    """Wall seconds, exit status and the output's tail of `command`."""
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    return time.perf_counter() - start, done.returncode, (done.stdout + done.stderr)[-2000:]


def run_tier(tier: str, only: list[str]) -> dict:
    """One tier in a fresh clone beside the checkout: its times and counts."""
    command, extra = TIERS[tier]
    clone = Path(tempfile.mkdtemp(prefix="tiers-", dir=ROOT.parent))
    junit = Path(tempfile.mkdtemp()) / "junit.xml"
    env = {**os.environ, **extra, "PYTEST_ADDOPTS": " ".join([f"--junitxml={junit}", *only])}
    env.pop("VIRTUAL_ENV", None)
    try:
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        found: dict = {"command": " ".join([*(f"{k}={v}" for k, v in extra.items()), *command])}
        if tier == "default":  # the tier from a set-up .venv: set it up first, apart
            found["setup_seconds"], status, tail = timed(["./workshop.sh", "--help"], clone, env)
            if status:
                raise SystemExit(f"the set-up failed (exit {status}):\n{tail}")
        before = load()
        found["wall_seconds"], found["exit_status"], tail = timed(command, clone, env)
        found["load"] = [before, load()]
        if not junit.is_file():
            raise SystemExit(f"{tier}: pytest wrote no report (exit {found['exit_status']}):\n{tail}")
        found |= junit_counts(junit)
        found = {k: round(v, 1) if isinstance(v, float) else v for k, v in found.items()}
        print(f"{tier}: {found['wall_seconds']} s, {found['passed']} passed, {found['failed']} failed")
        return found
    finally:
        shutil.rmtree(clone, ignore_errors=True)
        shutil.rmtree(junit.parent, ignore_errors=True)


def main(argv: list[str] | None = None) -> dict:
    """Time the tiers asked for and publish the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiers", nargs="+", choices=list(TIERS), default=list(TIERS))
    parser.add_argument("--only", nargs="+", default=[], metavar="FILE", help="only these test files")
    parser.add_argument("--json", type=Path, help="also write the report here")
    args = parser.parse_args(argv)
    provenance = origin("test_tiers.py", argv)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    report: dict = {
        "commit": commit.stdout.strip(),
        "only": args.only,
        "settings_set": [name for name in PLACES if os.environ.get(name)],  # real data found by the tests
        "tiers": {tier: run_tier(tier, args.only) for tier in args.tiers},
        "machine": machine(),
        **provenance,
    }
    return publish(report, args.json)


if __name__ == "__main__":
    main()
