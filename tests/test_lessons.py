"""Caveats beside toy-model numbers; quiet, plain-text library output in the notebooks."""

from __future__ import annotations

import logging

import pytest
from transformers import TrainingArguments

from workshop_lib import lessons
from workshop_lib.config import PROJECT_ROOT, resolve
from workshop_lib.modeling import FUSED_ACTIVATIONS, load_model, load_tokenizer


def test_caveats_only_for_the_tiny_models(capsys):
    smoke, full = resolve("smoke"), resolve("full")
    for topic in lessons.CAVEATS:
        assert lessons.caveat(smoke, topic).startswith("(smoke profile: ")
        assert lessons.caveat(full, topic) == ""
    lessons.print_caveat(full, "speed")
    assert capsys.readouterr().out == ""
    lessons.print_caveat(resolve("quick", model_name="tiny"), "speed")  # the model decides, not the name
    assert "overhead" in capsys.readouterr().out
    with pytest.raises(KeyError, match="Unknown caveat"):
        lessons.caveat(smoke, "weather")


@pytest.fixture
def transformers_log():
    """Capture what transformers' own log handler would print."""
    handler = logging.getLogger("transformers").handlers[0]
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            if all(f.filter(record) for f in handler.filters):
                records.append(record.getMessage())

    keep = Keep()
    logging.getLogger("transformers").addHandler(keep)
    yield records
    logging.getLogger("transformers").removeHandler(keep)
    lessons.quiet()


def test_quiet_hides_load_reports_and_load_report_shows_them_plain(tiny_dir, transformers_log):
    lessons.quiet()
    load_model(tiny_dir)
    assert not any("LOAD REPORT" in m for m in transformers_log)
    with lessons.load_report():
        load_model(tiny_dir)
    reports = [m for m in transformers_log if "LOAD REPORT" in m]
    assert len(reports) == 1 and "MISSING" in reports[0]
    assert "\x1b[" not in reports[0]
    load_model(tiny_dir)
    assert len([m for m in transformers_log if "LOAD REPORT" in m]) == 1  # quiet again after the block


def test_quiet_keeps_the_trainer_progress_table():
    lessons.quiet()
    assert TrainingArguments(output_dir="unused").disable_tqdm is False


def test_faster_gelu_gives_load_models_config(tiny_dir):
    kwargs = lessons.faster_gelu(str(tiny_dir))
    assert kwargs == {"activation_function": FUSED_ACTIVATIONS["gelu_new"]}
    config = load_model(tiny_dir, load_tokenizer(tiny_dir)).config
    assert config.activation_function == kwargs["activation_function"]


def test_what_to_expect_is_the_same_everywhere():
    table = lessons.what_to_expect()
    assert "stand-in, not GPT-2" in table and "unmeasured" in table  # never passed off as GPT-2's
    for doc in ("README.md", "notebooks/INSTRUCTOR_GUIDE.md"):
        assert table in (PROJECT_ROOT / doc).read_text(), f"{doc}: paste lessons.what_to_expect() again"
    for notebook in ("05_training.ipynb", "06_usage_and_deployment.ipynb"):
        source = (PROJECT_ROOT / "notebooks" / notebook).read_text()
        assert "lessons.what_to_expect()" in source, notebook
