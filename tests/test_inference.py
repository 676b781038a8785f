"""Inference on the tiny families: batched logits match one-by-one logits, and bad inputs fail clearly."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from workshop_lib.inference import AcceptabilityClassifier, TruncationWarning, predict_logits

SENTENCES = [
    "The cat sat on the mat.",
    "Sat the on cat mat.",
    "Colorless green ideas sleep furiously, said the linguist who wrote the famous book.",
    "Go.",
]


@pytest.fixture(scope="module")
def model_dir(classifier_dir):
    """The tiny classifier saved like notebook 05's model."""
    return classifier_dir


@pytest.fixture(scope="module")
def classifier(model_dir):
    """The deployment classifier on the CPU."""
    return AcceptabilityClassifier.from_dir(model_dir, device="cpu")


def reference_verdicts(classifier, texts: list[str]) -> list[dict]:
    """Each text's verdict from its own forward pass through the model: the label of the larger logit,
    named by the model's config, and that label's softmax probability."""
    model, tokenizer = classifier.model, classifier.tokenizer
    verdicts = []
    with torch.inference_mode():
        for text in texts:
            probs = model(**tokenizer([text], return_tensors="pt")).logits[0].softmax(-1)
            label = model.config.id2label[int(probs.argmax())]
            verdicts.append({"label": label, "score": pytest.approx(float(probs.max()), abs=1e-5)})
    return verdicts


def test_batched_logits_match_single_sentence_logits(classifier):
    """Sorting by length, padding and restoring the order changes no logit."""
    model, tokenizer = classifier.model, classifier.tokenizer
    batched = predict_logits(model, tokenizer, SENTENCES, batch_size=3, device="cpu")
    single = np.concatenate([predict_logits(model, tokenizer, [s], device="cpu") for s in SENTENCES])
    assert batched.shape == (len(SENTENCES), 2)
    np.testing.assert_allclose(batched, single, atol=1e-5)


def test_empty_list_gives_no_rows(classifier):
    assert predict_logits(classifier.model, classifier.tokenizer, [], device="cpu").shape == (0, 2)


def test_predict_returns_readable_labels_and_probabilities(classifier):
    assert classifier.model.config.id2label == {0: "unacceptable", 1: "acceptable"}
    results = classifier.predict(SENTENCES, batch_size=3)  # sorted, padded batches, order restored
    expected = [{**verdict, "truncated": False} for verdict in reference_verdicts(classifier, SENTENCES)]
    assert results == expected


def test_single_string_counts_as_one_text(classifier):
    assert classifier.predict("The cat sat on the mat.") == classifier.predict(["The cat sat on the mat."])


@pytest.mark.parametrize("text", ["", "   \t\n"])
def test_empty_or_whitespace_text_is_refused(classifier, text):
    with pytest.raises(ValueError, match=r"texts\[1\] is (empty|whitespace only)"):
        classifier.predict(["A sentence.", text])


def test_very_long_text_is_truncated_with_a_warning(classifier):
    long_text = " ".join(["word"] * 5000)
    with pytest.warns(TruncationWarning, match=r"texts \[1\].*first 128 tokens"):
        results = classifier.predict(["Short.", long_text])
    assert [r["truncated"] for r in results] == [False, True]


def test_emoji_and_non_latin_text_work(classifier):
    texts = ["The cake was great 🎂😀!", "Кошка сидит на ковре.", "猫がマットの上に座った。", "القطة نائمة"]
    for text in texts:  # byte-level BPE: every character survives the round trip, none becomes unknown
        assert classifier.tokenizer.decode(classifier.tokenizer(text)["input_ids"]) == text
    results = classifier.predict(texts)
    assert results == [{**verdict, "truncated": False} for verdict in reference_verdicts(classifier, texts)]


def test_none_is_refused(classifier):
    with pytest.raises(TypeError, match="texts is None"):
        classifier.predict(None)
    with pytest.raises(TypeError, match=r"texts\[0\] is None"):
        classifier.predict([None])


def test_numbers_mixed_with_strings_are_refused(classifier):
    with pytest.raises(TypeError, match=r"texts\[1\] is 42 of type int.*str\(\.\.\.\)"):
        classifier.predict(["A sentence.", 42, "Another."])


def test_predict_logits_refuses_a_bare_string(classifier):
    with pytest.raises(TypeError, match="not one string"):
        predict_logits(classifier.model, classifier.tokenizer, "The cat sat.", device="cpu")


def test_missing_model_folder_names_notebook_05(tmp_path):
    with pytest.raises(FileNotFoundError, match="notebook 05_training"):
        AcceptabilityClassifier.from_dir(tmp_path / "nothing")


@pytest.mark.parametrize("texts", [{"A sentence.": 1}, {"A sentence.", "Another one."}], ids=["dict", "set"])
def test_dict_and_set_are_refused(classifier, texts):
    kind = type(texts).__name__
    with pytest.raises(TypeError, match=f"texts is a {kind}"):
        classifier.predict(texts)
    with pytest.raises(TypeError, match=f"texts is a {kind}"):
        predict_logits(classifier.model, classifier.tokenizer, texts, device="cpu")


@pytest.mark.parametrize("name", ["tiny-llama", "tiny-bert"])
def test_other_families_batch_like_single_sentences(family_classifier_dirs, name):
    classifier = AcceptabilityClassifier.from_dir(family_classifier_dirs[name], device="cpu")
    model, tokenizer = classifier.model, classifier.tokenizer
    batched = predict_logits(model, tokenizer, SENTENCES, batch_size=3, device="cpu")
    single = np.concatenate([predict_logits(model, tokenizer, [s], device="cpu") for s in SENTENCES])
    np.testing.assert_allclose(batched, single, atol=1e-5)
    expected = [{**verdict, "truncated": False} for verdict in reference_verdicts(classifier, SENTENCES)]
    assert classifier.predict(SENTENCES, batch_size=3) == expected


def test_truncation_keeps_berts_closing_separator(family_classifier_dirs):
    classifier = AcceptabilityClassifier.from_dir(family_classifier_dirs["tiny-bert"], device="cpu")
    model, tokenizer = classifier.model, classifier.tokenizer
    long_text = " ".join(["word"] * 500)
    with pytest.warns(TruncationWarning):
        logits = predict_logits(model, tokenizer, [long_text], device="cpu")
    cut = tokenizer([long_text], truncation=True, max_length=128, return_tensors="pt")
    assert cut["input_ids"][0, -1] == tokenizer.sep_token_id
    with torch.inference_mode():
        expected = model(**cut).logits.numpy()
    np.testing.assert_allclose(logits, expected, atol=1e-5)
