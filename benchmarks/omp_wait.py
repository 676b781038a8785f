"""Time the same quick-profile steps under OpenMP wait policies, on a quiet machine or beside busy processes.

    python benchmarks/omp_wait.py [--model-dir DIR] [--steps 10] [--rounds 2] [--busy 0] --json results/X.json

OpenMP reads its wait policy once, when torch loads, so each timing runs in a fresh child process; the
policies take turns round by round. A policy is `passive` (OMP_WAIT_POLICY=PASSIVE: a waiting thread sleeps at
once), `active` (OMP_WAIT_POLICY=ACTIVE: it spins), `default` (neither variable set: GNU OpenMP spins about
300,000 times, then sleeps) or `spin:N` (PASSIVE with GOMP_SPINCOUNT=N: GNU OpenMP spins N times, then sleeps;
what `workshop_lib` sets, N=10000). `--busy K` keeps K other
processes spinning on the CPU during every timing, as other kernels on a shared machine would. Each timing
trains the quick recipe (eager attention, as on a CPU) for `--steps` steps over a seeded sample of CoLA,
no evaluation, no saves; the model is the folder given (the stand-in) or GPT-2 small's architecture.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
OMP_VARIABLES = ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")


def policy_env(policy: str) -> dict[str, str]:
    """The OpenMP variables that set `policy`, on top of an environment without either."""
    env = {k: v for k, v in os.environ.items() if k not in OMP_VARIABLES}
    if policy in ("passive", "active"):
        env["OMP_WAIT_POLICY"] = policy.upper()
    elif policy.startswith("spin:") and policy.removeprefix("spin:").isdigit():
        env.update(OMP_WAIT_POLICY="PASSIVE", GOMP_SPINCOUNT=policy.removeprefix("spin:"))
    elif policy != "default":
        raise SystemExit(f"unknown policy {policy!r}: passive, active, default or spin:N")
    return env


def child(model_dir: str | None, steps: int) -> None:
    """In a fresh process: train `steps` steps with eager attention and print the wall seconds."""
    import torch  # noqa: F401  # isort: skip  (first: OpenMP starts with the policy's variables, not workshop_lib's)
    from train_speed import sample_settings, timed_steps

    with tempfile.TemporaryDirectory() as work:
        settings = sample_settings(model_dir, Path(work), steps)
        seconds = timed_steps(settings, lambda model: model.set_attn_implementation("eager"))
        print(json.dumps({"seconds": seconds}))


def spin_forever() -> None:
    """A busy process: what another kernel's work looks like to the scheduler."""
    while True:
        pass


def main(argv: list[str] | None = None) -> dict:
    """Time every policy in turn, in fresh processes, and write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", help="a local model folder (default: GPT-2 small's architecture)")
    parser.add_argument("--steps", type=int, default=10, help="training steps per timing")
    parser.add_argument("--rounds", type=int, default=2, help="timings per policy, interleaved")
    parser.add_argument("--busy", type=int, default=0, help="other processes spinning during the timings")
    parser.add_argument("--policies", nargs="+", default=["passive", "spin:10000", "active"])
    parser.add_argument("--json", type=Path, help="also write the report here")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.model_dir, args.steps)
        return {}
    from train_speed import load, machine, origin, publish

    provenance = origin("omp_wait.py", argv)
    hogs = [multiprocessing.Process(target=spin_forever, daemon=True) for _ in range(args.busy)]
    for hog in hogs:
        hog.start()
    seconds: dict[str, list[float]] = {p: [] for p in args.policies}
    loads = [load()]
    try:
        for _ in range(args.rounds):
            for policy in args.policies:
                cmd = [sys.executable, str(HERE / "omp_wait.py"), "--child", "--steps", str(args.steps)]
                cmd += ["--model-dir", str(Path(args.model_dir).resolve())] if args.model_dir else []
                out = subprocess.run(cmd, env=policy_env(policy), cwd=HERE, capture_output=True, text=True)
                if out.returncode:
                    raise SystemExit(f"{policy}: the timing failed:\n{out.stderr[-3000:]}")
                seconds[policy].append(json.loads(out.stdout.strip().splitlines()[-1])["seconds"])
                loads.append(load())
                print(f"{policy}: {seconds[policy][-1]:.1f} s (load {loads[-1]})", flush=True)
    finally:
        for hog in hogs:
            hog.terminate()
            hog.join()
    report = {
        "model": Path(args.model_dir).name if args.model_dir else "GPT-2 small architecture",
        "steps": args.steps,
        "busy": args.busy,
        "seconds": seconds,
        "load": loads,
        "machine": machine(),
        **provenance,
    }
    return publish(report, args.json)


if __name__ == "__main__":
    main()
