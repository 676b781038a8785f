"""Each notebook's wall time in a headless smoke run: what the notebooks' "Time:" lines and the README say.

Runs `./workshop.sh run --profile smoke` once into a temporary run folder (the six notebooks with their
exercise stubs, through papermill, each in a fresh kernel), under `time`: the runner's per-notebook seconds
(kernel start included, from the run's metrics.json), their sum, and the whole command's wall time (with
workshop.sh's set-up check and the baseline comparison). Use a quiet machine: the load before and after is
recorded.

    python benchmarks/notebook_times.py --json benchmarks/results/notebook-times.json
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from results_files import recipe_record
from train_speed import load, machine, origin, publish, rounds_options  # same script folder

from workshop_lib.settings import PROFILES

ROOT = Path(__file__).resolve().parent.parent
PROFILE = "smoke"


def main(argv: list[str] | None = None) -> dict:
    """Run the smoke series once and publish its times."""
    args = rounds_options(__doc__, 1, argv)
    provenance = origin("notebook_times.py", argv)
    report: dict = {"profile": PROFILE, "recipe": recipe_record(PROFILES[PROFILE]), "rounds": []}
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory() as work:
            run_dir = Path(work) / "run"
            before = load()
            start = time.perf_counter()
            done = subprocess.run(
                ["./workshop.sh", "run", "--profile", PROFILE, "--run-dir", str(run_dir)],
                cwd=ROOT, env=os.environ.copy(), capture_output=True, text=True,
            )
            wall = time.perf_counter() - start
            if done.returncode:
                tail = done.stdout[-3000:] + done.stderr[-3000:]
                sys.exit(f"the smoke run failed (exit {done.returncode}):\n{tail}")
            seconds = json.loads((run_dir / "metrics.json").read_text())["seconds"]
        found = {"notebooks": seconds, "wall_seconds": round(wall, 1), "load": [before, load()]}
        report["rounds"].append(found)
        print(f"notebooks {seconds}; wall {wall:.0f} s", flush=True)
    report |= {"machine": machine(), **provenance}
    return publish(report, args.json)


if __name__ == "__main__":
    main()
