"""gpt2-cola-workshop: shared code for the six workshop notebooks."""

import os

# Idle OpenMP threads sleep instead of spinning: on a busy 2-core laptop spinning made training up to
# 25x slower, and on a quiet one sleeping costs nothing (BENCHMARKS.md). Only effective before torch loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
