"""Summarise a mutmut 3 run per module: python benchmarks/mutation_table.py <mutants folder> [--survivors].

Counts only the mutants that were run (commands/baseline.py: the baseline-comparison functions).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

CODES = {  # mutmut's exit codes (mutmut/stats.py), grouped
    "killed": {1, 3},
    "survived": {0},
    "timeout": {36, -24, 24, 152, 255},
    "no tests": {5, 33},
}


def status(code: int | None) -> str | None:
    """killed, survived, timeout, no tests, other; None: not run."""
    if code is None:
        return None
    for name, codes in CODES.items():
        if code in codes:
            return name
    return "other"


def main() -> None:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "mutants")
    counts: dict[str, Counter] = {}
    survivors = []
    for meta in sorted(folder.rglob("*.py.meta")):
        module = meta.relative_to(folder).as_posix().removesuffix(".py.meta")
        for name, code in json.loads(meta.read_text())["exit_code_by_key"].items():
            if (state := status(code)) is not None:
                counts.setdefault(module, Counter())[state] += 1
                if state != "killed":
                    survivors.append(f"{state:9} {name}")
    print("| module | mutants | killed | survived | timeout | no tests | other | killed share |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    total = Counter()
    for module, c in [*counts.items(), ("all", None)]:
        c = total if c is None else c
        if module != "all":
            total.update(c)
        n = sum(c.values())
        cells = [c[k] for k in ("killed", "survived", "timeout", "no tests", "other")]
        print(f"| {module} | {n} | " + " | ".join(map(str, cells)) + f" | {c['killed'] / n:.1%} |")
    if "--survivors" in sys.argv:
        print("\n".join(survivors))


if __name__ == "__main__":
    main()
