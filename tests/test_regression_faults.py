"""The regression check, proven: each injected fault fails it, naming the metric; fresh seeds pass it.

Each case is one `workshop train --profile smoke` (seconds) with one fault of tests/faults.py injected,
checked
against baselines/smoke.json as `workshop run --regression` checks a chain (the training phase's numbers).
"""

from __future__ import annotations

import pytest
from faults import FAULTS, FRESH_SEEDS, by_learning, problems

pytestmark = pytest.mark.extended

@pytest.fixture(scope="module")
def caught(tmp_path_factory) -> dict[str, list[str]]:
    """What the check reports for each fault."""
    return {name: problems(name, tmp_path_factory.mktemp(name)) for name in FAULTS}


@pytest.mark.parametrize("fault", FAULTS)
def test_each_fault_fails_the_check_naming_the_metric(caught, fault):
    assert caught[fault], f"{fault} passed the regression check"
    assert all(p.startswith("invariant") or p.startswith("training.") for p in caught[fault])


def test_at_least_six_faults_are_caught_three_by_the_bands_or_the_invariants(caught):
    assert sum(bool(found) for found in caught.values()) >= 6, caught
    assert sum(by_learning(found) for found in caught.values()) >= 3, caught


@pytest.mark.parametrize("seed", FRESH_SEEDS)
def test_a_seed_never_used_for_the_bands_passes(tmp_path, seed):
    assert problems("none", tmp_path / "run", seed) == []
