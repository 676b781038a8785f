"""The course website's build time: `python -m workshop_lib.dev.site` from scratch, a few rounds.

    python benchmarks/site_build.py [--rounds 3] --json benchmarks/results/site-build.json
"""

from __future__ import annotations

import time

from train_speed import load, machine, origin, publish, rounds_options  # same script folder

from workshop_lib.dev import site


def main(argv: list[str] | None = None) -> dict:
    """Build the site `--rounds` times (each from scratch) and publish the seconds."""
    args = rounds_options(__doc__, 3, argv)
    provenance = origin("site_build.py", argv)
    seconds, loads = [], [load()]
    for _ in range(args.rounds):
        start = time.perf_counter()
        site.build()
        seconds.append(time.perf_counter() - start)
        loads.append(load())
        print(f"{seconds[-1]:.1f} s (load {loads[-1]})", flush=True)
    return publish({"seconds": seconds, "load": loads, "machine": machine(), **provenance}, args.json)


if __name__ == "__main__":
    main()
