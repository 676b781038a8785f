"""The appendix's own training loop against the Trainer: same learning rates, losses and metrics."""

from __future__ import annotations

import dataclasses

import pytest

from workshop_lib import training
from workshop_lib.appendix.loop import StepRecorder, parameter_groups, train_loop, warmup_steps
from workshop_lib.lessons.plots import epoch_evaluations
from workshop_lib.records import load_log_history
from workshop_lib.settings import resolve


@pytest.fixture(scope="module")
def both(tmp_path_factory) -> tuple[dict, StepRecorder, dict]:
    """The smoke recipe on 600 sentences for 3 epochs, through the Trainer and through the loop."""
    root = tmp_path_factory.mktemp("loop")
    settings = resolve("smoke", output_dir=str(root / "trainer"), epochs=3, train_limit=600)
    record = StepRecorder()
    metrics = training.train(settings, callbacks=[record])
    evaluations = epoch_evaluations(load_log_history(settings.out / "model"))
    metrics["epoch_mcc"] = [e["eval_mcc"] for e in evaluations]
    mine = train_loop(dataclasses.replace(settings, output_dir=str(root / "loop")))
    return metrics, record, mine


def test_same_learning_rate_at_every_step(both):
    _, record, mine = both
    assert len(mine["learning_rates"]) == len(record.learning_rates) > 0
    assert mine["learning_rates"] == pytest.approx(record.learning_rates, rel=1e-9, abs=1e-12)


def test_same_losses_on_the_same_batches(both):
    _, record, mine = both
    assert len(mine["losses"]) == len(record.losses)
    assert mine["losses"] == pytest.approx(record.losses, abs=1e-4)
    assert mine["losses"][-1] < mine["losses"][0]  # it learnt something


def test_same_choice_and_final_metrics(both):
    metrics, _, mine = both
    assert max(metrics["epoch_mcc"]) > 0  # a model that learnt: equal MCCs of 0 would show nothing
    assert [e["mcc"] for e in mine["selection"]] == pytest.approx(metrics["epoch_mcc"], abs=1e-9)
    for key in ("mcc", "accuracy", "f1"):
        assert mine["validation"][key] == pytest.approx(metrics[key], abs=1e-9), key
    assert mine["validation"]["loss"] == pytest.approx(metrics["loss"], abs=1e-4)


def test_the_loop_refuses_a_schedule_it_does_not_follow():
    """The loop evaluates once an epoch: quick's several evaluations would compare different points."""
    with pytest.raises(ValueError, match="evaluations_per_epoch=1"):
        train_loop(resolve("smoke", evaluations_per_epoch=2))


def test_no_decay_for_biases_and_norms(tiny_dir):
    from transformers import AutoModelForSequenceClassification

    model = AutoModelForSequenceClassification.from_pretrained(tiny_dir, num_labels=2)
    decay, plain = parameter_groups(model, 0.01)
    names = {id(p): n for n, p in model.named_parameters()}
    assert all("ln" in names[id(p)] or names[id(p)].endswith("bias") for p in plain["params"])
    assert not any(names[id(p)].endswith("bias") for p in decay["params"])
    assert decay["weight_decay"] == 0.01 and plain["weight_decay"] == 0.0


def test_warmup_is_steps_or_a_share():
    assert warmup_steps(0.1, 95) == 10 and warmup_steps(0.06, 100) == 6 and warmup_steps(7, 100) == 7
