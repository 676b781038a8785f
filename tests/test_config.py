"""Settings declared once: profiles, checked values through every entry, paths, where outputs go."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass

import pytest

from workshop_lib.commands import train
from workshop_lib.commands.run import checked_parameters
from workshop_lib.declare import Declared, SettingError, check_value, coerce, setting
from workshop_lib.lessons.notebook import start
from workshop_lib.paths import PROJECT_ROOT
from workshop_lib.settings import (
    HUB_MODEL,
    TINY_FAMILIES,
    Settings,
    TrainingOptions,
    is_tiny_model,
    names_folder,
    parameters,
    parse_parameter,
    resolve,
)

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


def test_the_class_profile_is_the_default(monkeypatch):
    """No profile given and no WORKSHOP_PROFILE: the settings of "quick", the profile the class runs."""
    monkeypatch.delenv("WORKSHOP_PROFILE", raising=False)
    assert resolve() == resolve("quick")
    assert resolve().profile == "quick"
    monkeypatch.setenv("WORKSHOP_PROFILE", "")  # set but empty counts as unset
    assert resolve() == resolve("quick")


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
    recipe = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("recipe:"))
    assert "warm-up 0.06" in recipe
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
    code = "from workshop_lib.settings import resolve; print(resolve('smoke').output_dir)"
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


# The declaration's rules one by one: how text and numbers are read, which names are never paths, how a new
# setting is declared, and the exact words of the errors.

COERCED = [  # (value, declared type, result)
    ("3", int, 3),
    (" 3 ", int, 3),
    ("7.0", int, 7),
    (7.0, int, 7),
    (7, int, 7),
    ("2", float, 2),
    ("2.5", float, 2.5),
    ("3e-5", float, 3e-5),
    (3, float, 3),
    (True, bool, True),
    (" False ", bool, False),
    ("TRUE", bool, True),
    ("name", str, "name"),
    (PROJECT_ROOT, str, str(PROJECT_ROOT)),  # a Path is a str setting too
]
REFUSED = [
    ("7.5", int),
    (7.5, int),
    (True, int),  # a bool is not a number here, although Python calls it an int
    (False, float),
    ("inf", float),
    (float("nan"), float),
    ("", str),
    ("   ", str),
    (3, str),
    ("yes", bool),
    (1, bool),
    (None, int),
]


@pytest.mark.parametrize(("value", "kind", "result"), COERCED, ids=[repr(c[:2]) for c in COERCED])
def test_coerce_reads_unambiguous_values(value, kind, result):
    coerced = coerce(value, kind)
    assert coerced == result and type(coerced) is type(result)


@pytest.mark.parametrize(("value", "kind"), REFUSED, ids=[repr(c) for c in REFUSED])
def test_coerce_refuses_ambiguous_values(value, kind):
    with pytest.raises(ValueError, match=f"^{re.escape(repr(value))} is not a {kind.__name__}$"):
        coerce(value, kind)


def test_whole_floats_are_whole_numbers_and_paths_are_text(tmp_path):
    settings = resolve("smoke", batch_size=8.0, seed=3.0, train_limit=100.0, output_dir=tmp_path / "out")
    assert (settings.batch_size, settings.seed, settings.train_limit) == (8, 3, 100)
    assert all(type(v) is int for v in (settings.batch_size, settings.seed, settings.train_limit))
    assert settings.output_dir == str(tmp_path / "out")


def test_only_a_limit_may_be_none():
    assert check_value(Settings, "train_limit", None) is None
    for name in ("epochs", "batch_size", "seed", "model_name"):
        with pytest.raises(SettingError, match=f"^{re.escape(message(name, None))}"):
            check_value(Settings, name, None)
    with pytest.raises(SettingError) as err:
        check_value(TrainingOptions, "overwrite", None)
    assert str(err.value) == "Setting OVERWRITE (overwrite) got None; allowed: True or False."


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("seed", 0),
        ("seed", 2**32 - 1),
        ("warmup_steps", 0),
        ("warmup_steps", 0.999),
        ("weight_decay", 0),
        ("train_limit", 1),
        ("batch_size", 1),
        ("epochs", 0.5),
        ("learning_rate", 0.999),
    ],
)
def test_values_at_the_edge_of_the_allowed_range_are_kept(name, value):
    assert getattr(resolve("smoke", **{name: value}), name) == value


@pytest.mark.parametrize(("name", "value"), [("seed", 2**32), ("learning_rate", 0), ("epochs", 0)])
def test_values_just_outside_the_allowed_range_are_refused(name, value):
    with pytest.raises(SettingError, match=f"^{re.escape(message(name, value))}"):
        resolve("smoke", **{name: value})


def test_tiny_model_names_are_the_families_table_and_nothing_else():
    from workshop_lib.tiny import TINY_MODELS

    assert list(TINY_MODELS) == list(TINY_FAMILIES)  # every family the table names can be built
    for name in TINY_FAMILIES:
        assert is_tiny_model(name), name
    for name in ("tiny-foo", "tiny/model", "tiny-org/model", "org/tiny", "tinyllama", "Tiny", "", HUB_MODEL):
        assert not is_tiny_model(name), name


def test_keywords_are_never_paths_even_when_such_a_folder_exists(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("hub", "embedded", "tiny", "tiny-llama", "gpt2"):
        (tmp_path / name).mkdir()
    assert parse_parameter("DATA_SOURCE", "hub") == "hub"
    assert parse_parameter("DATA_SOURCE", "embedded") == "embedded"
    assert parse_parameter("MODEL_NAME", "tiny") == "tiny"
    assert parse_parameter("MODEL_NAME", "tiny-llama") == "tiny-llama"
    assert parse_parameter("MODEL_NAME", "gpt2") == str(tmp_path / "gpt2")  # not a keyword: the folder wins
    assert parse_parameter("OUTPUT_DIR", "embedded") == str(tmp_path / "embedded")  # always a folder


def test_a_new_declared_option_is_coerced_checked_and_documented(tmp_path, monkeypatch):
    """How a notebook's own option is declared (as GoalOptions is): one `setting` per field."""

    @dataclass(frozen=True, kw_only=True)
    class Options(Declared):
        count: int = setting("how many to show", "a whole number of at least 1", 5, check=lambda x: x >= 1)
        folder: str = setting("where to write", "a folder", "out", path=True)
        source: str = setting("a hub id or a folder", "a hub id or a folder", "org/name", path=names_folder)

    monkeypatch.chdir(tmp_path)
    assert Options() == Options(count=5, folder=str(tmp_path / "out"), source="org/name")
    assert Options(count="12", source="./local").count == 12
    assert Options(source="./local").source == str(tmp_path / "local")
    with pytest.raises(SettingError) as err:
        Options(count=0)
    assert str(err.value) == "Setting COUNT (count) got 0; allowed: a whole number of at least 1."
    spec = {f.name: f for f in dataclasses.fields(Options)}["count"]
    assert spec.metadata["help"] == "how many to show"  # what the notebooks' parameters cells print
    with pytest.raises(TypeError):  # a declared setting without a default must be given

        @dataclass(frozen=True, kw_only=True)
        class Needed(Declared):
            count: int = setting("how many", "a whole number")

        Needed()


def test_unknown_names_are_refused_with_the_known_ones():
    known = ", ".join(f.name for f in dataclasses.fields(Settings))
    with pytest.raises(SettingError) as err:
        check_value(Settings, "epoch", 3)
    assert str(err.value) == f"Unknown setting 'epoch'; known: {known}."
    with pytest.raises(SettingError) as err:
        resolve("smoke", zeta=1, alpha=2)
    assert str(err.value) == f"Unknown setting(s) 'alpha', 'zeta'; known: {known}."


def test_unknown_parameter_without_a_close_match_gets_no_guess():
    declared = ", ".join(parameters())
    with pytest.raises(SettingError) as err:
        parse_parameter("XYZZY", "1")
    assert str(err.value) == f"Unknown parameter 'XYZZY'; the notebooks declare: {declared}."
    with pytest.raises(SettingError) as err:
        parse_parameter("bach_size", "1")
    assert str(err.value) == (
        f"Unknown parameter 'bach_size' (did you mean BATCH_SIZE?); the notebooks declare: {declared}."
    )


def test_none_and_null_mean_the_profiles_value():
    for text in ("None", "none", " NULL ", "null"):
        assert parse_parameter("TRAIN_LIMIT", text) is None
    assert parse_parameter("MODEL_NAME", "nullable") == "nullable"


def test_tracked_folder_error_names_the_allowed_folders(monkeypatch):
    if not (PROJECT_ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    tracked = PROJECT_ROOT / "workshop_lib" / "out"
    with pytest.raises(SettingError) as err:
        resolve("smoke", output_dir=str(tracked))
    assert str(err.value) == (
        f"Setting OUTPUT_DIR (output_dir) got {str(tracked)!r}, inside the project's tracked files, where "
        f"git would list every model file; allowed: a folder under {PROJECT_ROOT / 'artifacts'} "
        f"(the default) or {PROJECT_ROOT / 'runs'}, or outside {PROJECT_ROOT}."
    )
    for allowed in (PROJECT_ROOT / "artifacts" / "x", PROJECT_ROOT / "runs" / "y"):
        assert resolve("smoke", output_dir=str(allowed)).output_dir == str(allowed)
