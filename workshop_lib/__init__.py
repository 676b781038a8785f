"""gpt2-cola-workshop: shared code for the six workshop notebooks."""

import os

# Idle OpenMP threads sleep instead of spinning: on a busy 2-core machine spinning made training many times
# slower, and on a quiet one sleeping costs nothing (measured: BENCHMARKS.md, finding 1). Only effective
# before torch loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
