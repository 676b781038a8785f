"""Zero-shot scoring with the tiny GPT-2: correct log-likelihoods, order kept, MCC-optimal threshold."""

import numpy as np
import pytest
import torch
from sklearn.metrics import matthews_corrcoef

from workshop_lib.modeling import load_tokenizer
from workshop_lib.zero_shot import best_threshold, load_language_model, predict, sentence_scores

SENTENCES = [
    "The cat sat on the mat.",
    "Dogs bark.",
    "The teacher who the children like reads a long story to the class.",
    "She sees the busy story.",
    "Sees she the story busy.",
]


@pytest.fixture(scope="module")
def tiny(tiny_dir):
    """Tiny random GPT-2 (language-model head) and its tokenizer."""
    return load_language_model(str(tiny_dir)), load_tokenizer(tiny_dir)


def test_score_is_mean_token_log_likelihood(tiny):
    model, tokenizer = tiny
    sentence = SENTENCES[0]
    ids = torch.tensor([[tokenizer.bos_token_id, *tokenizer(sentence)["input_ids"]]])
    with torch.no_grad():
        loss = model(input_ids=ids, labels=ids).loss  # mean cross-entropy of every token after the first
    score = sentence_scores(model, tokenizer, [sentence], progress=False)[0]
    assert score == pytest.approx(-loss.item(), abs=1e-5)


def test_truncated_sentence_scores_differently(tiny):
    model, tokenizer = tiny
    shorter = SENTENCES[2].rsplit(" ", 3)[0]  # the same sentence without its last three words
    full, cut = sentence_scores(model, tokenizer, [SENTENCES[2], shorter], progress=False)
    assert full != pytest.approx(cut, abs=1e-6)


def test_order_kept_and_padding_ignored_under_length_sorting(tiny):
    model, tokenizer = tiny
    one_by_one = [sentence_scores(model, tokenizer, [s], progress=False)[0] for s in SENTENCES]
    batched = sentence_scores(model, tokenizer, SENTENCES, batch_size=3, progress=False)
    reversed_batched = sentence_scores(model, tokenizer, SENTENCES[::-1], batch_size=2, progress=False)[::-1]
    np.testing.assert_allclose(batched, one_by_one, atol=1e-5)
    np.testing.assert_allclose(reversed_batched, one_by_one, atol=1e-5)


def test_cpu_thread_setting_is_restored(tiny):
    model, tokenizer = tiny
    before = torch.get_num_threads()
    sentence_scores(model, tokenizer, SENTENCES, progress=False)  # runs the tiny model on one thread
    assert torch.get_num_threads() == before


def test_threshold_separates_a_separable_toy_case():
    threshold, mcc = best_threshold([0.1, 0.4, 0.2, 0.3], [0, 1, 0, 1])
    assert threshold == pytest.approx(0.25)
    assert mcc == pytest.approx(1.0)
    assert predict([0.1, 0.4, 0.2, 0.3], threshold).tolist() == [0, 1, 0, 1]


def test_threshold_maximises_mcc_with_ties():
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 15, size=200) / 10  # many ties
    labels = (scores + rng.normal(0, 0.5, size=200) > 0.6).astype(int)
    threshold, mcc = best_threshold(scores, labels)
    brute = max(matthews_corrcoef(labels, scores >= cut) for cut in np.unique(scores))
    assert mcc == pytest.approx(brute)
    assert matthews_corrcoef(labels, predict(scores, threshold)) == pytest.approx(mcc)
