"""The regression check against injected faults: what caught each one, and fresh seeds that must pass.

Runs tests/faults.py's faults and seeds never used for the bands through `workshop train --profile smoke`,
checks each against baselines/smoke.json as tests/test_regression_faults.py does, writes the results file,
and `benchmarks/render.py` writes its table into docs/maintaining.md.

    python benchmarks/fault_table.py --out benchmarks/results/regression-faults.json
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from train_speed import machine, origin, publish  # same script folder

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from faults import FAULTS, FRESH_SEEDS, STAGE, by_learning, problems  # noqa: E402


def measure() -> dict:
    """Each fault's problems and each fresh seed's (none expected)."""
    with tempfile.TemporaryDirectory(prefix="faults-") as tmp:
        faults = {name: problems(name, Path(tmp) / name) for name in FAULTS}
        seeds = {str(seed): problems("none", Path(tmp) / f"seed-{seed}", seed) for seed in FRESH_SEEDS}
    return {"faults": faults, "fresh_seeds": seeds}


def table(results: dict) -> str:
    """The Markdown table: each fault, where it sits, what caught it by how much; the fresh seeds' verdict."""
    rows = ["| fault | where | caught by (metric: value, by how much) | by a band or invariant |"]
    rows.append("|---|---|---|---|")
    for name, found in results["faults"].items():
        cell = "<br>".join(found) if found else "**not caught**"
        what = FAULTS[name].__doc__.split(": ", 1)[1]
        rows.append(f"| {what} | {STAGE[name]} | {cell} | {'yes' if by_learning(found) else 'no'} |")
    passed = [seed for seed, found in results["fresh_seeds"].items() if not found]
    rows += ["", f"Fresh seeds {', '.join(results['fresh_seeds'])}: {len(passed)} of "
             f"{len(results['fresh_seeds'])} passed. Measured {results['started_utc']} on "
             f"{results['machine']['cpu']} ({results['machine']['kind']}, "
             f"{results['machine']['nproc']} cores, load {results['load'][0]:.1f}): `{results['command']}`."]
    return "\n".join(rows)



def main(argv: list[str] | None = None) -> None:
    """Measure (--out); render.py writes the table into docs/maintaining.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    report = {**origin("fault_table.py", argv), "machine": machine(), "load": os.getloadavg(), **measure()}
    publish(report, args.out)


if __name__ == "__main__":
    main()
