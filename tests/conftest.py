"""Shared fixtures: the tiny GPT-2, the installed wheel, and the real reference data from ../shared."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from chains import RESUME_TEST, kill_while_training
from installed import build_wheel, install_wheel, pin_lowest

from workshop_lib.modeling import load_model, load_tokenizer
from workshop_lib.tiny import build_tiny_gpt2


def _shared(var: str) -> Path:
    """Return the folder an environment variable points at, or skip the test."""
    value = os.environ.get(var)
    if not value or not Path(value).is_dir():
        pytest.skip(f"{var} is not set to a folder (.ci/run sets it when ../shared exists)")
    return Path(value)


@pytest.fixture(scope="session")
def cola_dir() -> Path:
    """../shared/data/cola (glue/ and raw/ below it)."""
    return _shared("WORKSHOP_COLA_DIR")


@pytest.fixture(scope="session")
def gpt2_tokenizer_dir() -> Path:
    """../shared/models/gpt2-tokenizer."""
    return _shared("WORKSHOP_GPT2_TOKENIZER")


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory) -> Path:
    """One headless run of the default smoke chain (tiny GPT-2, seed 42, six notebooks), shared by every test.

    It must pass the smoke baseline of this kind of CPU: a run that drifts fails here, once, with the metric
    that moved.
    """
    from workshop_lib.commands.run import main

    folder = tmp_path_factory.mktemp("smoke-chain") / "run"
    code = main(["--profile", "smoke", "--run-dir", str(folder)])
    assert code == 0, f"the smoke chain failed or drifted from its baseline in baselines/ (exit {code})"
    return folder


@pytest.fixture(scope="session", autouse=True)
def killed_run(request, tmp_path_factory) -> Iterator[Callable[[], tuple[Path, list]]]:
    """The smoke chain that tests/test_resume.py resumes, killed in the background from the session's start.

    It overlaps the first tests (and the session's own chain), which saves most of a chain's time. Calling
    the fixture waits for the kill and returns the run folder and any process that outlived it.
    """
    if not any(item.name == RESUME_TEST for item in request.session.items):
        yield lambda: pytest.fail("the resume test was not selected")
        return
    run_dir = tmp_path_factory.mktemp("killed") / "run"
    outcome: dict = {}

    def kill() -> None:
        try:
            outcome["alive"] = kill_while_training(run_dir)
        except BaseException as err:  # shown by the test that waits for it
            outcome["error"] = err

    worker = threading.Thread(target=kill, daemon=True)
    worker.start()

    def wait() -> tuple[Path, list]:
        worker.join()
        if "error" in outcome:
            raise outcome["error"]
        return run_dir, outcome["alive"]

    yield wait
    worker.join()


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory) -> Path:
    """A tiny random GPT-2 with a BPE tokenizer trained on the embedded set."""
    return build_tiny_gpt2(tmp_path_factory.mktemp("models") / "tiny-gpt2")


@pytest.fixture(scope="session")
def classifier_dir(tiny_dir, tmp_path_factory) -> Path:
    """The tiny GPT-2 as an (untrained) classifier, saved the way notebook 05 saves its model."""
    out = tmp_path_factory.mktemp("classifier")
    tokenizer = load_tokenizer(tiny_dir)
    load_model(tiny_dir, tokenizer).save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


@pytest.fixture(scope="session")
def tiny_family_dirs(tiny_dir, tmp_path_factory) -> dict[str, Path]:
    """The three tiny families (GPT-2, Llama-style, BERT), each a hub-like checkpoint folder."""
    from workshop_lib.settings import TINY, TINY_FAMILIES
    from workshop_lib.tiny import tiny_model

    root = tmp_path_factory.mktemp("families")
    return {"tiny": tiny_dir} | {
        name: tiny_model(name, root / folder) for name, folder in TINY_FAMILIES.items() if name != TINY
    }


@pytest.fixture(scope="session")
def family_classifier_dirs(tiny_family_dirs, tmp_path_factory) -> dict[str, Path]:
    """Each tiny family as an (untrained) classifier, saved the way notebook 05 saves its model."""
    folders = {}
    for name, source in tiny_family_dirs.items():
        folders[name] = out = tmp_path_factory.mktemp(f"classifier-{name}")
        tokenizer = load_tokenizer(source)
        load_model(source, tokenizer).save_pretrained(out)
        tokenizer.save_pretrained(out)
    return folders


@pytest.fixture(scope="session")
def wheel(tmp_path_factory) -> tuple[Path, dict]:
    """A wheel built from a copy of this checkout, and an environment without this checkout on its path."""
    return build_wheel(tmp_path_factory.mktemp("package"))


@pytest.fixture(scope="session")
def installed(wheel, tmp_path_factory) -> tuple[Path, dict]:
    """The wheel installed (not editable) into a fresh virtual environment, as a hub admin installs it."""
    built, env = wheel
    return install_wheel(built, env, tmp_path_factory.mktemp("installed")), env


@pytest.fixture(scope="session")
def installed_lowest(wheel, tmp_path_factory) -> tuple[Path, dict, list[str]]:
    """The wheel in a fresh venv with the lowest transformers, datasets, accelerate and evaluate it allows."""
    built, env = wheel
    tmp = tmp_path_factory.mktemp("lowest")
    venv = install_wheel(built, env, tmp)
    return venv, env, pin_lowest(venv, env, tmp)
