"""The runner's rules without running a notebook: which metrics are exact, which in a band, when a run
regressed, when a baseline applies at all, how `-p` pairs and --profile combine, and what a resume keeps."""

from __future__ import annotations

import json

import pytest

import workshop_lib.commands.baseline as baseline_module
from workshop_lib.commands.baseline import (
    MARGIN,
    check,
    compare,
    default_baseline,
    differences,
    flatten,
    invariants,
    kind_of,
    machines,
    other_recipe,
    quality_metrics,
    recipe,
)
from workshop_lib.commands.run import checked_parameters, kept_notebooks
from workshop_lib.declare import SettingError
from workshop_lib.paths import notebook_sources
from workshop_lib.settings import resolve

PHASES = {
    "training": {
        "mcc": 0.5,
        "train_sentences": 1440,  # an int is a metric too
        "resumed": True,  # a flag, not a number to compare
        "checkpoint": "checkpoint-40",
        "train_seconds": 12.5,
        "train_samples_per_second": 300.0,
    },
    "zero_shot": {"mcc": 0.25, "threshold": -4.5, "sentences_per_second": 900.0},
}


def test_flatten_keeps_numbers_only_named_phase_dot_metric():
    assert flatten(PHASES) == {
        "training.mcc": 0.5,
        "training.train_sentences": 1440,
        "training.train_seconds": 12.5,
        "training.train_samples_per_second": 300.0,
        "zero_shot.mcc": 0.25,
        "zero_shot.threshold": -4.5,
        "zero_shot.sentences_per_second": 900.0,
    }
    assert flatten({}) == {} and flatten({"phase": {}}) == {}


def test_timings_are_not_quality_metrics():
    assert quality_metrics(PHASES) == {
        "training.mcc": 0.5,
        "training.train_sentences": 1440,
        "zero_shot.mcc": 0.25,
        "zero_shot.threshold": -4.5,
    }


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        ("training.mcc", "learned"),
        ("training.selection_loss", "learned"),
        ("training.train_loss", "learned"),
        ("deployment.validation_f1", "learned"),
        ("zero_shot.threshold", "learned"),
        ("training.train_sentences", "exact"),
        ("training.epoch", "learned"),
        ("training_setup.majority_mcc", "exact"),
        ("deployment.onnx_logits_match", "exact"),
        ("exploration.train_rows", "exact"),
        ("preprocessing.mean_tokens", "seeded"),
        ("preprocessing.wasted_share_pad_per_batch", "seeded"),
    ],
)
def test_learned_numbers_get_a_band_counts_and_the_constant_guess_are_exact(key, kind):
    assert kind_of(key) == kind


def test_the_recipe_is_every_setting_but_the_seed_and_the_output_folder():
    settings = resolve("smoke", output_dir="/tmp/somewhere", seed=7)
    assert "seed" not in recipe(settings) and "output_dir" not in recipe(settings)
    assert recipe(settings) == recipe(resolve("smoke"))


BASELINE = {
    "settings": recipe(resolve("smoke")),
    "seed": 42,
    "libraries": baseline_module.libraries(),
    "cpu_kinds": [baseline_module.cpu_kind()],
    "exact": {"training.train_sentences": 1440},
    "seeded": {"preprocessing.mean_tokens": 7.5},
    "bands": {"training.mcc": {"low": 0.25, "high": 0.75}},  # binary-exact numbers
}
RUN = {"training": {"mcc": 0.5, "train_sentences": 1440}, "preprocessing": {"mean_tokens": 7.5}}


@pytest.mark.parametrize("mcc", [0.25, 0.5, 0.75])
def test_a_learned_number_inside_its_band_passes(mcc):
    assert compare({**RUN, "training": {**RUN["training"], "mcc": mcc}}, BASELINE, 42) == []


@pytest.mark.parametrize("mcc", [0.25 - 2**-20, 0.75 + 2**-20, float("nan")])
def test_a_learned_number_outside_its_band_is_a_regression_by_how_much(mcc):
    [problem] = compare({**RUN, "training": {**RUN["training"], "mcc": mcc}}, BASELINE, 42)
    assert problem.startswith(f"training.mcc: {mcc:.4f}, outside the band 0.25 to 0.75")


def test_an_exact_number_must_match_and_a_missing_one_is_named():
    [problem] = compare({**RUN, "training": {"mcc": 0.5, "train_sentences": 1600}}, BASELINE, 42)
    assert problem == "training.train_sentences: 1600, not the exact 1440 (off by +160)"
    assert compare({}, BASELINE, 42) == [
        "training.train_sentences: missing from this run (recorded 1440)",
        "preprocessing.mean_tokens: missing from this run (recorded 7.5)",
        "training.mcc: missing from this run (band 0.25 to 0.75)",
    ]
    assert compare({}, BASELINE, 42, phases=("training",))[0].startswith("training.")  # one phase only


def test_another_seed_is_compared_but_the_seed_drawn_numbers():
    moved = {**RUN, "preprocessing": {"mean_tokens": 7.9}}
    assert compare(moved, BASELINE, 42) != [] and compare(moved, BASELINE, 7) == []


def test_invariants_learning_above_the_constant_guess_a_falling_loss_the_best_kept():
    log = [{"loss": 0.7}, {"eval_mcc": 0.3}, {"loss": 0.5}, {"eval_mcc": 0.4}]
    good = {"training": {"mcc": MARGIN + 0.01, "selection_mcc": 0.4}, "training_setup": {"majority_mcc": 0.0}}
    assert invariants(good, log) == []
    assert invariants({"training": {"mcc": MARGIN - 0.01, "selection_mcc": 0.4}}, log)[0].startswith(
        "invariant training.mcc >= constant guess"
    )
    rising = [{"loss": 0.5}, {"eval_mcc": 0.4}, {"loss": 0.7}]
    assert invariants(good, rising)[0].startswith("invariant: the training loss falls")
    worst = {"training": {**good["training"], "selection_mcc": 0.3}}
    assert invariants(worst, log)[0].startswith(
        "invariant: the kept checkpoint is the selection split's best"
    )


def test_only_another_recipe_stops_the_comparison(tmp_path, monkeypatch):
    path = tmp_path / "smoke.json"
    path.write_text(json.dumps(BASELINE))
    settings = resolve("smoke", output_dir=str(tmp_path / "out"))
    metrics = {**RUN, "training": {**RUN["training"], "mcc": MARGIN + 0.3}}
    problems, verdict, compared = check(metrics, settings, path)
    assert (problems, compared) == ([], True) and verdict.startswith(
        "passed (1 exact, 1 in bands, the invariants"
    )
    assert f"{baseline_module.cpu_kind()!r} here, one of the kinds" in verdict
    monkeypatch.setattr(baseline_module, "cpu_kind", lambda: "SomeVendor NEON")
    monkeypatch.setattr(
        baseline_module, "libraries", lambda: {**BASELINE["libraries"], "transformers": "5.3.0"}
    )
    other = resolve("smoke", output_dir=str(tmp_path / "out"), seed=7)
    assert machines(BASELINE) == (
        "cpu: 'SomeVendor NEON' here, not among the kinds the bands were measured on "
        f"({BASELINE['cpu_kinds'][0]})"
    )
    assert differences(BASELINE, other) == [
        "seed: 42 there, 7 here",
        f"transformers: {BASELINE['libraries']['transformers']} there, 5.3.0 here",
    ]
    problems, verdict, compared = check(metrics, other, path)
    assert compared and not problems and "SomeVendor NEON" in verdict and "transformers" in verdict
    assert "1 seed-drawn" in verdict
    epochs = resolve("smoke", output_dir=str(tmp_path / "out"), epochs=3)
    assert other_recipe(BASELINE, epochs) == ["epochs: 10 there, 3 here"]
    assert check(metrics, epochs, path) == (
        [],
        f"not compared: {path} records another recipe (epochs: 10 there, 3 here)",
        False,
    )
    absent = tmp_path / "absent.json"
    assert check(metrics, settings, absent)[1:] == (
        f"no baseline for profile 'smoke' ({absent} absent): not compared",
        False,
    )


def test_the_profiles_baseline_is_one_file_for_every_machine():
    assert default_baseline("smoke").name == "smoke.json"
    recorded = json.loads(default_baseline("smoke").read_text())
    assert len(recorded["cpu_kinds"]) >= 2 and recorded["settings"] == recipe(resolve("smoke"))
    assert all(kind_of(k) == "exact" for k in recorded["exact"]) and recorded["exact"]
    assert all(kind_of(k) == "learned" for k in recorded["bands"]) and "training.mcc" in recorded["bands"]
    # A band that admits a model that learned nothing checks nothing: the low ends demand learning.
    assert recorded["bands"]["training.mcc"]["low"] >= MARGIN
    assert recorded["bands"]["training.selection_mcc"]["low"] >= MARGIN


def test_profile_comes_from_p_or_profile_or_the_environment(monkeypatch):
    monkeypatch.setenv("WORKSHOP_PROFILE", "smoke")
    assert checked_parameters([("PROFILE", "quick")], None) == {"PROFILE": "quick"}
    assert checked_parameters([("profile", "quick")], "quick") == {"PROFILE": "quick"}  # agreeing twice: fine
    assert checked_parameters([], "full") == {"PROFILE": "full"}
    assert checked_parameters([], None) == {"PROFILE": "smoke"}
    monkeypatch.delenv("WORKSHOP_PROFILE")
    assert checked_parameters([], None) == {"PROFILE": "quick"}  # the class profile


def test_p_pairs_are_checked_named_as_the_notebooks_name_them_and_none_dropped():
    given = checked_parameters([("epochs", "3"), ("SEED", "7"), ("TRAIN_LIMIT", "None")], "smoke")
    assert given == {"EPOCHS": 3, "SEED": 7, "PROFILE": "smoke"}
    with pytest.raises(SettingError, match=r"^--profile smoke and -p PROFILE quick disagree: give one\.$"):
        checked_parameters([("PROFILE", "quick")], "smoke")
    with pytest.raises(SettingError, match=r"^Setting SEED \(seed\) got '-1'; allowed: "):
        checked_parameters([("SEED", "-1")], "smoke")


STEMS = [p.stem for p in notebook_sources()]


def test_a_resume_keeps_the_finished_notebooks_before_the_first_unfinished_one():
    assert len(STEMS) == 6
    finished = {STEMS[0]: 1.5, STEMS[1]: 2.5, STEMS[3]: 4.5}  # the fourth finished, but after a gap
    assert kept_notebooks(finished) == {STEMS[0]: 1.5, STEMS[1]: 2.5}
    assert list(kept_notebooks({s: 1.0 for s in reversed(STEMS)})) == STEMS  # phase order, not the record's
    assert kept_notebooks({}) == {}
    assert kept_notebooks({STEMS[1]: 2.0}) == {}  # the first one never finished: rerun everything
    assert kept_notebooks({"99_unknown": 1.0}) == {}
