"""The model card: hub-style YAML metadata whose numbers are the saved metrics, and honest prose."""

from __future__ import annotations

from cards import SELECTION, card_parts, results

from workshop_lib.card import model_card
from workshop_lib.lessons.notebook import save_metrics
from workshop_lib.records import read_metrics
from workshop_lib.settings import resolve

METRICS = {"mcc": 0.4512345678, "accuracy": 0.8123, "f1": 0.8765, "selection_mcc": 0.4987}
SIZES = {"train_sentences": 7695, "selection_sentences": 856, "validation_sentences": 1043}


def test_card_for_a_hub_model_names_base_model_data_and_baseline(tmp_path):
    settings = resolve("full", output_dir=str(tmp_path))
    save_metrics(settings, "zero_shot", {"mcc": 0.1234})
    zero_shot = read_metrics(settings.out).get("zero_shot")
    text = model_card(settings, {**METRICS, **SIZES}, 128, zero_shot, "fp32")
    metadata, prose = card_parts(text)
    assert metadata["base_model"] == "openai-community/gpt2" and metadata["datasets"] == ["nyu-mll/glue"]
    assert metadata["metrics"] == ["matthews_correlation", "accuracy", "f1"]
    assert results(metadata) == {"matthews_correlation": 0.4512345678, "accuracy": 0.8123, "f1": 0.8765}
    assert results(metadata, SELECTION) == {"matthews_correlation": 0.4987}  # the split that chose
    assert "chosen on the selection split" in prose and "(MCC 0.499\nthere)" in prose
    assert "train 7695, selection 856, validation 1043" in prose
    assert "| 0.123 |" in prose and "| 0.451 |" in prose
    assert "English only" in prose and "smoke-profile" not in prose and "Intended use" in prose


def test_smoke_card_warns_and_has_no_false_base_model(tmp_path):
    settings = resolve("smoke", output_dir=str(tmp_path))
    metadata, prose = card_parts(model_card(settings, {**METRICS, **SIZES}, 128, None, "fp32"))
    assert "base_model" not in metadata and "datasets" not in metadata  # neither is on the hub
    assert "This is a smoke-profile model" in prose and "No zero-shot baseline" in prose
