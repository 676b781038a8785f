"""The runner's rules without running a notebook: which metrics make a baseline, when a run regressed,
when a baseline applies at all, how `-p` pairs and --profile combine, and what a resume keeps."""

from __future__ import annotations

import dataclasses
import json
from importlib.metadata import version

import pytest

from workshop_lib.commands.baseline import (
    TOLERANCE,
    baseline_from,
    check,
    compare,
    flatten,
    other_settings,
    quality_metrics,
    recipe,
)
from workshop_lib.commands.run import checked_parameters, kept_notebooks
from workshop_lib.declare import SettingError
from workshop_lib.device import cpu_kind
from workshop_lib.paths import notebook_sources
from workshop_lib.settings import PROFILES, resolve

PHASES = {
    "training": {
        "mcc": 0.5,
        "eval_loss": 0.625,
        "steps": 40,  # an int is a metric too
        "resumed": True,  # a flag, not a number to compare
        "checkpoint": "checkpoint-40",
        "train_seconds": 12.5,
        "train_runtime": 12.0,
        "train_samples_per_second": 300.0,
        "eval_sentences_per_second": 900.0,
    },
    "zero_shot": {"mcc": 0.25, "threshold": -4.5},
}


def test_flatten_keeps_numbers_only_named_phase_dot_metric():
    assert flatten(PHASES) == {
        "training.mcc": 0.5,
        "training.eval_loss": 0.625,
        "training.steps": 40,
        "training.train_seconds": 12.5,
        "training.train_runtime": 12.0,
        "training.train_samples_per_second": 300.0,
        "training.eval_sentences_per_second": 900.0,
        "zero_shot.mcc": 0.25,
        "zero_shot.threshold": -4.5,
    }
    assert flatten({}) == {} and flatten({"phase": {}}) == {}


def test_timings_are_not_quality_metrics():
    """Seconds, runtimes and throughputs depend on the machine: every one of the timing words is left out."""
    assert quality_metrics(PHASES) == {
        "training.mcc": 0.5,
        "training.eval_loss": 0.625,
        "training.steps": 40,
        "zero_shot.mcc": 0.25,
        "zero_shot.threshold": -4.5,
    }


def test_recipe_is_every_setting_but_the_output_folder():
    settings = resolve("smoke", output_dir="/tmp/somewhere")
    assert recipe(settings) == {k: v for k, v in dataclasses.asdict(settings).items() if k != "output_dir"}
    assert set(recipe(settings)) == {f.name for f in dataclasses.fields(settings)} - {"output_dir"}
    assert recipe(settings) == recipe(resolve("smoke", output_dir="/tmp/elsewhere"))


def test_baseline_holds_the_recipe_and_each_quality_metric_rounded_with_its_tolerance():
    settings = resolve("smoke")
    metrics = {"training": {"mcc": 0.123456789, "eval_loss": 2 / 3, "train_seconds": 3.0}}
    assert baseline_from(metrics, settings) == {
        "cpu": cpu_kind(),  # fp32 training rounds alike only on one kind of CPU
        "libraries": {name: version(name) for name in ("torch", "transformers", "datasets", "accelerate")},
        "settings": recipe(settings),
        "metrics": {
            "training.mcc": {"value": 0.123457, "tolerance": TOLERANCE},
            "training.eval_loss": {"value": 0.666667, "tolerance": TOLERANCE},
        },
    }
    assert TOLERANCE == 0.02
    wider = baseline_from(metrics, settings, tolerance=0.05)
    assert {spec["tolerance"] for spec in wider["metrics"].values()} == {0.05}


def test_a_fresh_baseline_passes_its_own_run():
    baseline = baseline_from(PHASES, resolve("smoke"))
    assert compare(PHASES, baseline) == []
    assert other_settings(baseline, resolve("smoke")) == []


BASELINE = {"metrics": {"training.mcc": {"value": 0.5, "tolerance": 0.25}}}  # binary-exact numbers


@pytest.mark.parametrize("mcc", [0.5, 0.75, 0.25, 0.625, 0.5 + 2**-20])
def test_a_move_up_to_the_tolerance_passes(mcc):
    assert compare({"training": {"mcc": mcc}}, BASELINE) == []


@pytest.mark.parametrize("mcc", [0.75 + 2**-20, 0.25 - 2**-20, 1.0, 0.0, -0.5])
def test_a_move_beyond_the_tolerance_either_way_is_a_regression(mcc):
    assert compare({"training": {"mcc": mcc}}, BASELINE) == [
        f"training.mcc: moved from 0.5 to {mcc:.4f} (tolerance ±0.25)"
    ]


def test_every_problem_is_listed_in_the_baselines_order():
    baseline = {
        "metrics": {
            "training.mcc": {"value": 0.7, "tolerance": 0.02},
            "training.accuracy": {"value": 0.8, "tolerance": 0.02},
            "zero_shot.mcc": {"value": 0.3, "tolerance": 0.1},
        }
    }
    metrics = {"training": {"mcc": 0.6, "accuracy": 0.81, "flag": True}, "zero_shot": {"mcc": "n/a"}}
    assert compare(metrics, baseline) == [
        "training.mcc: moved from 0.7 to 0.6000 (tolerance ±0.02)",
        "zero_shot.mcc: missing from this run (baseline 0.3)",  # not a number: as good as missing
    ]
    assert compare(metrics, {"metrics": {}}) == []  # metrics the baseline does not name are not checked


def test_other_settings_name_each_difference_both_ways():
    baseline = baseline_from({"training": {"mcc": 0.7}}, resolve("smoke"))
    smoke = PROFILES["smoke"]
    ours = resolve("smoke", epochs=smoke["epochs"] + 1, batch_size=smoke["batch_size"] * 2, output_dir="/x")
    assert other_settings(baseline, ours) == [  # in the order of the declaration; output_dir never counts
        f"epochs: {smoke['epochs']!r} there, {smoke['epochs'] + 1!r} here",
        f"batch_size: {smoke['batch_size']!r} there, {smoke['batch_size'] * 2!r} here",
    ]
    baseline["settings"]["retired_setting"] = "x"  # a baseline from an older version of the settings
    assert other_settings(baseline, resolve("smoke"))[-1] == "retired_setting: 'x' there, None here"
    assert other_settings({"metrics": {}}, ours) == []  # a baseline without settings applies to any run


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


def test_a_baseline_from_another_kind_of_cpu_does_not_apply():
    baseline = baseline_from({"training": {"mcc": 0.7}}, resolve("smoke"))
    assert baseline["cpu"] == cpu_kind() and other_settings(baseline, resolve("smoke")) == []
    baseline["cpu"] = "SomeVendor NEON"
    assert other_settings(baseline, resolve("smoke", epochs=PROFILES["smoke"]["epochs"] + 1))[-1] == (
        f"cpu: 'SomeVendor NEON' there, {cpu_kind()!r} here"
    )
    del baseline["cpu"]  # a baseline recorded before the CPU kind was: its settings alone decide
    assert other_settings(baseline, resolve("smoke")) == []


def test_a_baseline_from_other_library_releases_does_not_apply(tmp_path):
    baseline = baseline_from({"training": {"mcc": 0.7}}, resolve("smoke"))
    baseline["libraries"]["transformers"] = "5.3.0"  # the lowest release allowed: it trains otherwise
    moved = f"transformers: '5.3.0' there, {version('transformers')!r} here"
    assert other_settings(baseline, resolve("smoke")) == [moved]
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps(baseline))
    verdict = f"not compared: {path} was measured with other settings ({moved})"
    assert check({"training": {"mcc": 0.1}}, resolve("smoke"), path) == ([], verdict)
    del baseline["libraries"]  # recorded before the libraries were: its settings and CPU kind decide
    assert other_settings(baseline, resolve("smoke")) == []


def test_a_metric_that_became_nan_is_a_regression():
    baseline = {"metrics": {"training.mcc": {"value": 0.7, "tolerance": 0.02}}}
    assert compare({"training": {"mcc": float("nan")}}, baseline) == [
        "training.mcc: moved from 0.7 to nan (tolerance ±0.02)"
    ]


def test_a_move_of_exactly_the_tolerance_passes_up_and_down():
    baseline = {"metrics": {"training.mcc": {"value": 0.70, "tolerance": 0.02}}}
    assert compare({"training": {"mcc": 0.72}}, baseline) == []  # 0.72 - 0.70 is 0.020000000000000018
    assert compare({"training": {"mcc": 0.68}}, baseline) == []
