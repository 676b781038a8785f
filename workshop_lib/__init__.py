"""gpt2-cola-workshop: shared code for the six workshop notebooks."""

import os

# Idle OpenMP threads spin briefly (GNU OpenMP: 10,000 turns of its wait loop), then sleep: spinning until
# work arrives made training many times slower on a busy 2-core machine, sleeping at once made it slower on a
# quiet one (measured: BENCHMARKS.md@afa5ab8, finding 1, "A short spin first"). A policy the user chose
# is left whole (a set GOMP_SPINCOUNT overrides the spin OMP_WAIT_POLICY implies). Only effective before
# torch loads.
OPENMP_DEFAULTS = {"OMP_WAIT_POLICY": "PASSIVE", "GOMP_SPINCOUNT": "10000"}
if "OMP_WAIT_POLICY" not in os.environ:
    for _name, _value in OPENMP_DEFAULTS.items():
        os.environ.setdefault(_name, _value)
