"""gpt2-cola-workshop: shared code for the six workshop notebooks."""

import os

# Idle OpenMP threads spin briefly (GNU OpenMP: 10,000 turns of its wait loop), then sleep: spinning on made
# training many times slower on a busy 2-core machine, sleeping at once made it slower on a quiet one
# (measured: BENCHMARKS.md, finding 1, "A short spin first"). Only effective before torch loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("GOMP_SPINCOUNT", "10000")
