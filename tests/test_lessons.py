"""Caveats beside toy-model numbers; quiet, plain-text library output in the notebooks."""

from __future__ import annotations

import logging

import pytest
from transformers import TrainingArguments

from workshop_lib import lessons
from workshop_lib.lessons.caveats import CAVEATS
from workshop_lib.modeling import load_model, load_tokenizer
from workshop_lib.settings import resolve


def test_caveats_only_for_the_tiny_models(capsys):
    smoke, full = resolve("smoke"), resolve("full")
    for topic in CAVEATS:
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


def test_quiet_drops_the_checkpoint_mtime_notice(transformers_log):
    """A smoke run saves checkpoints under a second apart; transformers' notice about it is noise."""
    import inspect

    from transformers import trainer_utils

    from workshop_lib.lessons.notebook import NOISE

    assert all(noise in inspect.getsource(trainer_utils) for noise in NOISE)  # still the library's words
    lessons.quiet()
    logger = logging.getLogger("transformers.trainer_utils")
    logger.warning(f"{NOISE[0]}, falling back to numerical ordering")
    logger.warning("a line that stays")
    assert transformers_log == ["a line that stays"]


def test_quiet_keeps_the_trainer_progress_table():
    lessons.quiet()
    assert TrainingArguments(output_dir="unused").disable_tqdm is False


def test_faster_gelu_gives_load_models_config(tiny_family_dirs):
    for name, folder in tiny_family_dirs.items():
        kwargs = lessons.faster_gelu(str(folder))
        # GPT-2's gelu_new becomes PyTorch's one-kernel tanh GELU; BERT's erf GELU and Llama's SiLU stay.
        assert kwargs == ({"activation_function": "gelu_pytorch_tanh"} if name == "tiny" else {}), name
        config = load_model(folder, load_tokenizer(folder)).config
        assert getattr(config, "activation_function", None) == kwargs.get("activation_function"), name


def _head_logits_agree(model, tokenizer) -> bool:
    """05's step by hand: base model, the model's last-real-token rule, `head_logits`; the model's logits."""
    import torch

    model.eval()
    batch = tokenizer(["a cat sat on the mat .", "a cat ."], padding=True, return_tensors="pt")
    hidden = model.base_model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
    positions = torch.arange(batch["input_ids"].shape[1])
    last_real = (positions * (batch["input_ids"] != tokenizer.pad_token_id)).argmax(dim=1)
    with torch.no_grad():
        logits = lessons.head_logits(model, hidden.last_hidden_state, last_real)
        return torch.allclose(logits, model(**batch).logits, atol=1e-5)


def test_head_logits_is_the_models_own_head_in_every_family(tiny_family_dirs):
    """The tiny GPT-2, Llama and BERT, and DistilBERT and RoBERTa built from small configs (no hub)."""
    from transformers import (
        AutoModelForSequenceClassification,
        DistilBertConfig,
        DistilBertForSequenceClassification,
        RobertaConfig,
        RobertaForSequenceClassification,
    )

    for name, folder in tiny_family_dirs.items():
        tokenizer = load_tokenizer(folder)
        model = AutoModelForSequenceClassification.from_pretrained(folder, num_labels=2,
                                                                   pad_token_id=tokenizer.pad_token_id)
        assert _head_logits_agree(model, tokenizer), name
    bert_tokenizer = load_tokenizer(tiny_family_dirs["tiny-bert"])
    small = {"vocab_size": len(bert_tokenizer), "pad_token_id": bert_tokenizer.pad_token_id}
    distilbert = DistilBertConfig(dim=32, hidden_dim=64, n_layers=1, n_heads=2, **small)
    roberta = RobertaConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2,
                            **small)
    for model in (DistilBertForSequenceClassification(distilbert), RobertaForSequenceClassification(roberta)):
        assert _head_logits_agree(model, bert_tokenizer), type(model).__name__


def test_causal_scores_says_where_a_masked_model_is_scored(capsys):
    assert lessons.causal_scores("mean-log-prob") and capsys.readouterr().out == ""
    assert not lessons.causal_scores("pseudo-log-likelihood")
    assert "appendix" in capsys.readouterr().out


def test_profile_figures_follow_the_profiles(monkeypatch):
    """Change a profile in-process: the notebooks' and docs' rendered prose and the model answers change."""
    import nbformat

    from workshop_lib.exercises.check import registry
    from workshop_lib.lessons import figures
    from workshop_lib.paths import PROJECT_ROOT
    from workshop_lib.settings import PROFILES

    notebook = nbformat.read(PROJECT_ROOT / "notebooks" / "05_training.ipynb", as_version=4)
    prose = "".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    assert figures.render(prose) == prose  # the stored values are the profiles' (dev.figures keeps them)
    teaching = (PROJECT_ROOT / "docs" / "teaching.md").read_text()
    assert "quick: <!-- profile:quick.rate_x10 -->1.5e-3<!-- /profile -->" in prose
    monkeypatch.setitem(PROFILES, "quick", {**PROFILES["quick"], "learning_rate": 3e-4, "batch_size": 32,
                                            "evaluations_per_epoch": 2})
    assert "quick: <!-- profile:quick.rate_x10 -->3e-3<!-- /profile -->" in figures.render(prose)
    assert figures.figures()["quick.mega_batch"] == "50" and figures.figures()["quick.evaluations"] == "twice"
    assert "quick: 3e-3 instead of\n3e-4" in registry()["learning_rate_x10"].answer
    assert "pairs batch 32 with\n3e-4" in registry()["batch_64_steps"].answer
    assert "quick saves\ntwice an epoch" in registry()["resume_exactly"].answer
    teaching = figures.render(teaching)  # the docs' prose too: dev.figures rewrites docs/ as well
    assert "a curve of <!-- profile:quick.points -->two<!-- /profile --> points" in teaching
    assert "<!-- profile:quick.evaluations -->twice<!-- /profile --> an epoch in quick" in teaching
