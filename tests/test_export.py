"""ONNX export of the tiny classifiers (three families): dynamic shapes and logit parity with PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
from parity import max_abs_logit_diff

from workshop_lib.export import export_onnx, onnx_logits, onnx_session
from workshop_lib.modeling import load_model, load_tokenizer

# Different lengths, so batches are padded; odd count, so the last batch is smaller.
SENTENCES = [
    "Go.",
    "The cat sat on the mat.",
    "Colorless green ideas sleep furiously, said the linguist who wrote the famous book.",
    "Who did you say that John believed that Mary saw?",
    "The more you read, the more you know.",
]


@pytest.fixture(scope="module")
def exported(classifier_dir, tmp_path_factory):
    """The tiny classifier, its tokenizer, and its ONNX export."""
    tokenizer = load_tokenizer(classifier_dir)
    model = load_model(classifier_dir, tokenizer)
    return model, tokenizer, export_onnx(classifier_dir, tmp_path_factory.mktemp("onnx") / "model.onnx")


def test_export_has_named_dynamic_inputs_and_logits_output(exported):
    _, _, path = exported
    session = onnx_session(path)
    assert [i.name for i in session.get_inputs()] == ["input_ids", "attention_mask"]
    assert [o.name for o in session.get_outputs()] == ["logits"]
    for tensor in session.get_inputs():
        assert not any(isinstance(dim, int) for dim in tensor.shape), f"{tensor.name}: axes must be dynamic"
    assert session.get_outputs()[0].shape[1] == 2  # one logit per label
    ones = np.ones((3, 11), dtype=np.int64)  # three sentences: not the two the export was traced with
    assert session.run(["logits"], {"input_ids": 5 * ones, "attention_mask": ones})[0].shape == (3, 2)


@pytest.mark.parametrize("batch_size", [1, 2, 64])
def test_onnx_logits_match_pytorch(exported, batch_size):
    model, tokenizer, path = exported
    assert max_abs_logit_diff(model, tokenizer, path, SENTENCES, batch_size=batch_size) < 1e-4


def test_onnx_logits_shape_and_order(exported):
    model, tokenizer, path = exported
    logits = onnx_logits(path, tokenizer, SENTENCES, batch_size=2)
    reversed_logits = onnx_logits(path, tokenizer, SENTENCES[::-1], batch_size=2)
    assert logits.shape == (len(SENTENCES), 2)
    assert abs(logits - reversed_logits[::-1]).max() < 1e-5


def test_onnx_logits_refuse_bad_input(exported):
    _, tokenizer, path = exported
    with pytest.raises(ValueError, match=r"texts\[0\] is empty"):
        onnx_logits(path, tokenizer, [""])


@pytest.mark.extended  # the other families: --all only
@pytest.mark.parametrize("name", ["tiny-llama", "tiny-bert"])
def test_other_families_export_with_logit_parity(family_classifier_dirs, tmp_path, name):
    folder = family_classifier_dirs[name]
    tokenizer = load_tokenizer(folder)
    model = load_model(folder, tokenizer)
    path = export_onnx(folder, tmp_path / "model.onnx")
    session = onnx_session(path)
    for batch_size in (1, 64):
        assert max_abs_logit_diff(model, tokenizer, session, SENTENCES, batch_size=batch_size) < 1e-4
