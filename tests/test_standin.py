"""The real-weights path, on the stand-in SmolLM2-135M-Instruct (Llama architecture; not GPT-2).

Runs when the stand-in folder exists ($WORKSHOP_STANDIN_DIR, else fetch_smollm2.sh's default folder), so
that a change cannot silently break loading a real pretrained model, a Llama-style tokenizer's pad token, or
ONNX export of that architecture. Select with `-m standin`, leave out with `-m "not standin"`.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from parity import max_abs_logit_diff
from transformers import AutoConfig, AutoModelForCausalLM

from workshop_lib.export import export_onnx
from workshop_lib.modeling import load_model, load_tokenizer
from workshop_lib.settings import resolve
from workshop_lib.training import train
from workshop_lib.zero_shot import load_language_model, sentence_scores

pytestmark = [pytest.mark.extended, pytest.mark.standin]
SENTENCES = [
    "The cat sat on the mat.",
    "Him went.",
    "Colorless green ideas sleep furiously beside the old stone bridge.",
    "Who do you think that left?",
]


@pytest.fixture(scope="module")
def standin_dir() -> Path:
    """The stand-in model folder, or skip saying how to get it."""
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    folder = Path(os.environ.get("WORKSHOP_STANDIN_DIR", cache / "workshop-real-models" / "smollm2-135m"))
    if not (folder / "model.safetensors").is_file():
        pytest.skip(
            f"no stand-in model in {folder}: build it with `../shared/models/fetch_smollm2.sh "
            ".venv/bin/python` (about a minute), or set WORKSHOP_STANDIN_DIR to such a folder"
        )
    return folder


@pytest.fixture(scope="module")
def short_dir(standin_dir, tmp_path_factory) -> Path:
    """The real weights of the first 2 of 30 layers (embeddings, attention, MLP, tokenizer as published).

    Training and ONNX export exercise every kind of layer the full model has, at a fifteenth of its depth:
    the whole file stays under a minute on a 2-core CPU instead of several.
    """
    out = tmp_path_factory.mktemp("standin") / "short"
    lm = AutoModelForCausalLM.from_pretrained(standin_dir, num_hidden_layers=2, use_safetensors=True)
    lm.save_pretrained(out)
    load_tokenizer(standin_dir).save_pretrained(out)
    return out


def test_tokenizer_and_model_agree_on_the_pad_token(standin_dir):
    tokenizer = load_tokenizer(standin_dir)
    model = load_model(standin_dir, tokenizer)
    assert tokenizer.pad_token_id is not None
    # The classifier pools the last token that is not config.pad_token_id: the two must be the same token,
    # and no sentence may contain it (a Llama tokenizer that appended </s> = pad would pool the wrong token).
    assert model.config.pad_token_id == tokenizer.pad_token_id
    for ids in tokenizer(SENTENCES)["input_ids"]:
        assert tokenizer.pad_token_id not in ids
    assert type(model).__name__ == "LlamaForSequenceClassification"
    # GPT-2's GELU swap must leave other activations alone (Llama's MLP uses SiLU).
    assert model.config.hidden_act == AutoConfig.from_pretrained(standin_dir).hidden_act


def test_padded_batch_gives_the_logits_of_one_by_one(standin_dir):
    tokenizer = load_tokenizer(standin_dir)
    model = load_model(standin_dir, tokenizer).eval()
    with torch.inference_mode():
        batch = model(**tokenizer(SENTENCES, padding=True, return_tensors="pt")).logits
        alone = torch.cat([model(**tokenizer([s], return_tensors="pt")).logits for s in SENTENCES])
    assert batch.shape == (len(SENTENCES), 2)
    torch.testing.assert_close(batch, alone, atol=1e-4, rtol=1e-4)


def test_zero_shot_scores_do_not_depend_on_padding(standin_dir):
    tokenizer = load_tokenizer(standin_dir)
    lm = load_language_model(str(standin_dir))
    padded = sentence_scores(lm, tokenizer, SENTENCES, batch_size=len(SENTENCES), progress=False)
    alone = sentence_scores(lm, tokenizer, SENTENCES, batch_size=1, progress=False)
    np.testing.assert_allclose(padded, alone, atol=1e-4)
    assert padded[0] > padded[1]  # real weights: "The cat sat on the mat." beats "Him went."


def test_training_steps_and_onnx_export(short_dir, tmp_path):
    settings = resolve(
        "smoke",
        model_name=str(short_dir),
        data_source="embedded",
        train_limit=32,
        eval_limit=32,
        batch_size=8,
        learning_rate=5e-5,
        output_dir=str(tmp_path / "run"),
    )
    metrics = train(
        settings, max_steps=2, eval_strategy="no", save_strategy="no", load_best_model_at_end=False
    )
    assert math.isfinite(metrics["train_loss"]) and math.isfinite(metrics["loss"])
    model_dir = tmp_path / "run" / "model"
    onnx_path = export_onnx(model_dir, tmp_path / "model.onnx")
    tokenizer = load_tokenizer(model_dir)
    model = load_model(model_dir, tokenizer).eval()
    assert model.config.pad_token_id == tokenizer.pad_token_id  # survives save and reload
    assert max_abs_logit_diff(model, tokenizer, onnx_path, SENTENCES, batch_size=len(SENTENCES)) < 1e-4
