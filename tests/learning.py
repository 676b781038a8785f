"""What counts as learning in the tests' end-to-end chains."""

from __future__ import annotations

# Validation MCC a tiny model must reach after its smoke training (chance is 0; 200 validation sentences put
# chance's spread near 0.07). fp32 rounds differently per CPU kind, and ten epochs amplify it: each seed and
# CPU kind scores otherwise (benchmarks/results/smoke-bands.json; baselines/smoke.json's bands).
LEARNT_MCC = 0.2
