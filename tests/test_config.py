"""Settings declared once: profiles, checked values through every entry, paths, where outputs go."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from workshop_lib import train
from workshop_lib.config import (
    HUB_MODEL,
    PROJECT_ROOT,
    SettingError,
    Settings,
    parse_parameter,
    resolve,
)
from workshop_lib.notebook import start
from workshop_lib.runner import checked_parameters

# (setting, value given, what the message must say is allowed)
INVALID = [
    ("batch_size", 0, "a whole number of at least 1"),
    ("batch_size", 2.5, "a whole number of at least 1"),
    ("epochs", -1, "a number above 0"),
    ("epochs", "nan", "a number above 0"),
    ("learning_rate", "abc", "a number between 0 and 1 (both excluded)"),
    ("learning_rate", 1, "a number between 0 and 1 (both excluded)"),
    ("seed", "x", "a whole number from 0 to 4294967295"),
    ("seed", True, "a whole number from 0 to 4294967295"),
    ("seed", -1, "a whole number from 0 to 4294967295"),
    ("precision", "fp8", "one of auto, fp32, bf16, fp16"),
    ("train_limit", -5, "a whole number of at least 0 (0 = all)"),
    ("eval_limit", "many", "a whole number of at least 0 (0 = all)"),
    ("warmup_steps", 1, "a share from 0 up to (not including) 1"),
    ("weight_decay", -0.1, "a number of at least 0"),
    ("profile", "huge", "one of smoke, quick, full"),
]
IDS = [f"{name}={value!r}" for name, value, _ in INVALID]


def message(name: str, value) -> str:
    """The start of the error for a bad value: both spellings of the setting, then the value."""
    return f"Setting {name.upper()} ({name}) got {value!r}; allowed: "


@pytest.mark.parametrize(("name", "value", "allowed"), INVALID, ids=IDS)
def test_resolve_refuses_with_name_value_and_allowed(name, value, allowed):
    with pytest.raises(SettingError) as err:
        if name == "profile":
            resolve(value)
        else:
            resolve("smoke", **{name: value})
    assert str(err.value).startswith(message(name, value) + allowed)


@pytest.mark.parametrize(("name", "value", "allowed"), INVALID, ids=IDS)
def test_notebook_parameters_refused_the_same_way(name, value, allowed, tmp_path):
    namespace = {"PROFILE": "smoke", "OUTPUT_DIR": str(tmp_path), name.upper(): value}
    with pytest.raises(SettingError, match=f"^{re.escape(message(name, value) + allowed)}"):
        start(namespace)


@pytest.mark.parametrize(("name", "value", "allowed"), INVALID, ids=IDS)
def test_runner_parameters_refused_the_same_way(name, value, allowed):
    text = str(value)
    with pytest.raises(SettingError, match=f"^{re.escape(message(name, text) + allowed)}"):
        checked_parameters([(name.upper(), text)], None)


@pytest.mark.parametrize(("name", "value", "allowed"), INVALID, ids=IDS)
def test_train_set_refused_the_same_way(name, value, allowed, capsys):
    with pytest.raises(SystemExit) as exit_:
        train.main(["--profile", "smoke", "--set", f"{name}={value}"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    if name == "profile":  # --profile is its own option
        assert "unknown setting 'profile'" in err
    else:
        assert message(name, str(value)) + allowed in err


def test_text_is_read_by_the_declared_type():
    assert parse_parameter("BATCH_SIZE", "3") == 3
    assert parse_parameter("EPOCHS", "2") == 2 and parse_parameter("EPOCHS", "2.5") == 2.5
    assert parse_parameter("LEARNING_RATE", "3e-5") == 3e-5
    assert parse_parameter("SEED", "7.0") == 7
    assert parse_parameter("OVERWRITE", "true") is True
    assert parse_parameter("TRAIN_LIMIT", "None") is None  # None: the profile's value
    assert parse_parameter("MODEL_NAME", HUB_MODEL) == HUB_MODEL
    with pytest.raises(
        SettingError, match=r"^Setting OVERWRITE \(overwrite\) got 'yes'; allowed: True or False"
    ):
        parse_parameter("OVERWRITE", "yes")
    with pytest.raises(
        SettingError, match=r"ZERO_SHOT_TRAIN_SAMPLE.*got '-1'; allowed: a whole number of at"
    ):
        parse_parameter("ZERO_SHOT_TRAIN_SAMPLE", "-1")


def test_strings_in_a_notebook_are_coerced_too(tmp_path):
    namespace = {"PROFILE": "smoke", "OUTPUT_DIR": str(tmp_path), "BATCH_SIZE": "8", "OVERWRITE": "False"}
    settings = start(namespace)
    assert settings.batch_size == 8 and namespace["OVERWRITE"] is False


def test_profile_from_environment_and_overrides(monkeypatch):
    monkeypatch.setenv("WORKSHOP_PROFILE", "quick")
    settings = resolve(None, epochs=2, model_name=None, train_limit=0)
    assert settings.profile == "quick" and settings.epochs == 2
    assert settings.model_name == HUB_MODEL  # None keeps the profile's value
    assert settings.train_limit is None  # 0 means "all"


def test_full_is_the_default(monkeypatch):
    monkeypatch.delenv("WORKSHOP_PROFILE", raising=False)
    settings = resolve()
    assert (settings.profile, settings.epochs, settings.data_source) == ("full", 2, "hub")


def test_unknown_profile_in_the_environment_names_the_variable(monkeypatch):
    monkeypatch.setenv("WORKSHOP_PROFILE", "fast")
    expected = "Environment variable WORKSHOP_PROFILE got 'fast'; allowed: one of smoke, quick, full"
    with pytest.raises(SettingError, match=expected):
        resolve()
    with pytest.raises(SettingError, match=expected):
        checked_parameters([], None)


def test_unknown_setting_lists_the_known_ones():
    with pytest.raises(SettingError, match="Unknown setting.*'epoch'.*known: profile, model_name"):
        resolve("smoke", epoch=3)


def test_warmup_is_named_as_transformers_names_it(tmp_path, capsys):
    """Notebook 04 teaches TrainingArguments(warmup_steps=0.06): the setting and its printout agree."""
    settings = start({"PROFILE": "smoke", "OUTPUT_DIR": str(tmp_path)})
    assert "  warmup_steps   0.06" in capsys.readouterr().out.splitlines()
    assert settings.warmup_steps == 0.06


def test_start_writes_the_settings_json(tmp_path, capsys):
    settings = start({"PROFILE": "smoke", "OUTPUT_DIR": str(tmp_path / "out"), "EPOCHS": 2})
    saved = json.loads((tmp_path / "out" / "settings.json").read_text())
    assert saved == {**saved, "profile": "smoke", "epochs": 2, "output_dir": str(tmp_path / "out")}
    assert set(saved) == {f for f in Settings.__dataclass_fields__}
    out = capsys.readouterr().out
    assert "transformers" in out and "device:" in out and settings.output_dir in out


# Paths: relative ones mean the caller's folder; hub ids stay hub ids; default outputs in the project.


def test_relative_paths_from_the_callers_folder(tmp_path, monkeypatch):
    (tmp_path / "data" / "cola").mkdir(parents=True)
    (tmp_path / "models" / "gpt2").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    given = checked_parameters(
        [
            ("DATA_SOURCE", "data/cola"),
            ("MODEL_NAME", "./models/gpt2"),
            ("OUTPUT_DIR", "out"),
            ("PROFILE", "smoke"),
        ],
        None,
    )
    assert given["DATA_SOURCE"] == str(tmp_path / "data" / "cola")
    assert given["MODEL_NAME"] == str(tmp_path / "models" / "gpt2")
    assert given["OUTPUT_DIR"] == str(tmp_path / "out")  # always a path, even before it exists
    monkeypatch.chdir(PROJECT_ROOT / "notebooks")  # where papermill runs the notebooks: nothing changes
    settings = resolve("smoke", **{k.lower(): v for k, v in given.items() if k != "PROFILE"})
    assert (settings.data_source, settings.output_dir) == (given["DATA_SOURCE"], given["OUTPUT_DIR"])


def test_hub_ids_and_keywords_are_not_paths(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name, value in [("MODEL_NAME", HUB_MODEL), ("MODEL_NAME", "tiny"), ("DATA_SOURCE", "embedded")]:
        assert parse_parameter(name, value) == value
    (tmp_path / "org" / "model").mkdir(parents=True)  # a local folder that looks like a hub id wins, as in
    assert parse_parameter("MODEL_NAME", "org/model") == str(tmp_path / "org" / "model")  # from_pretrained
    assert parse_parameter("MODEL_NAME", "~/m") == os.path.expanduser("~/m")


def test_train_set_resolves_paths_from_the_callers_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert train.checked_setting("data_source=cola") == ("data_source", "cola")  # no such folder: a name
    (tmp_path / "cola").mkdir()
    assert train.checked_setting("data_source=cola") == ("data_source", str(tmp_path / "cola"))
    assert train.checked_setting("epochs=3") == ("epochs", 3)


def test_default_output_is_in_the_project_wherever_python_starts(tmp_path, monkeypatch):
    monkeypatch.delenv("WORKSHOP_OUTPUT_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert resolve("smoke").output_dir == str(PROJECT_ROOT / "artifacts" / "smoke")
    monkeypatch.setenv("WORKSHOP_OUTPUT_DIR", "artifacts/class")  # relative: from the project root
    assert resolve("quick").output_dir == str(PROJECT_ROOT / "artifacts" / "class" / "quick")
    monkeypatch.setenv("WORKSHOP_OUTPUT_DIR", str(tmp_path))
    assert resolve("smoke").output_dir == str(tmp_path / "smoke")


def test_no_output_in_tracked_folders(monkeypatch):
    if not (PROJECT_ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    tracked = PROJECT_ROOT / "notebooks" / "artifacts"
    with pytest.raises(SettingError, match=r"^Setting OUTPUT_DIR \(output_dir\) got .*inside the project"):
        resolve("smoke", output_dir=str(tracked))
    monkeypatch.setenv("WORKSHOP_OUTPUT_DIR", "notebooks")
    with pytest.raises(SettingError, match="^Environment variable WORKSHOP_OUTPUT_DIR got .*notebooks'"):
        resolve("smoke")


def test_default_outputs_are_git_ignored_even_from_notebooks_folder():
    """Real check: a kernel started in notebooks/ (as in `workshop.sh lab`) writes into ignored artifacts/."""
    if not (PROJECT_ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    env = {k: v for k, v in os.environ.items() if k not in ("WORKSHOP_OUTPUT_DIR", "WORKSHOP_PROFILE")}
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    code = "from workshop_lib.config import resolve; print(resolve('smoke').output_dir)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT / "notebooks", env=env, capture_output=True, text=True
    )
    folder = out.stdout.strip()
    assert folder == str(PROJECT_ROOT / "artifacts" / "smoke"), out.stderr
    files = [f"{folder}/model/model.safetensors", f"{PROJECT_ROOT}/runs/x/01_goal.ipynb"]
    ignored = subprocess.run(
        ["git", "check-ignore", *files], cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    assert ignored.stdout.split() == files, "artifacts/ and runs/ must be git-ignored"
