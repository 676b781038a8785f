"""Zero-shot scoring: causal log-likelihoods, masked pseudo-log-likelihoods, order kept, best threshold."""

import numpy as np
import pytest
import torch
from sklearn.metrics import matthews_corrcoef

from workshop_lib.modeling import load_tokenizer
from workshop_lib.zero_shot import (
    CAUSAL,
    MASKED,
    METHODS,
    best_threshold,
    load_language_model,
    predict,
    scoring_method,
    sentence_scores,
)

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


def test_every_token_counts_once_and_a_truncated_sentence_scores_its_own_tokens(tiny):
    """A causal score is the mean over all tokens: a prefix's score is the mean of the first terms alone."""
    model, tokenizer = tiny
    shorter = SENTENCES[2].rsplit(" ", 3)[0]  # the same sentence without its last three words
    ids = [tokenizer.bos_token_id, *tokenizer(SENTENCES[2])["input_ids"]]
    cut = len(tokenizer(shorter)["input_ids"])
    assert [tokenizer.bos_token_id, *tokenizer(shorter)["input_ids"]] == ids[: cut + 1]  # a token prefix
    with torch.no_grad():
        logp = model(input_ids=torch.tensor([ids])).logits[0, :-1].log_softmax(-1)
    terms = logp[torch.arange(len(ids) - 1), torch.tensor(ids[1:])].numpy()  # log p(token | tokens before)
    full_score, cut_score = sentence_scores(model, tokenizer, [SENTENCES[2], shorter], progress=False)
    assert full_score == pytest.approx(terms.mean(), abs=1e-5)  # the last words count, once each
    assert cut_score == pytest.approx(terms[:cut].mean(), abs=1e-5)  # the lost words no longer count


def test_order_kept_and_padding_ignored_under_length_sorting(tiny):
    model, tokenizer = tiny
    one_by_one = [sentence_scores(model, tokenizer, [s], progress=False)[0] for s in SENTENCES]
    batched = sentence_scores(model, tokenizer, SENTENCES, batch_size=3, progress=False)
    reversed_batched = sentence_scores(model, tokenizer, SENTENCES[::-1], batch_size=2, progress=False)[::-1]
    np.testing.assert_allclose(batched, one_by_one, atol=1e-5)
    np.testing.assert_allclose(reversed_batched, one_by_one, atol=1e-5)


def test_tiny_models_score_on_one_thread_and_the_setting_is_restored(tiny):
    model, tokenizer = tiny
    during = []
    hook = model.register_forward_hook(lambda *_: during.append(torch.get_num_threads()))
    before = torch.get_num_threads()
    torch.set_num_threads(3)  # not 1, whatever this machine has, so a missing restore shows
    try:
        sentence_scores(model, tokenizer, SENTENCES, batch_size=2, progress=False)
        assert torch.get_num_threads() == 3
    finally:
        torch.set_num_threads(before)
        hook.remove()
    assert during == [1, 1, 1]  # every batch on one thread: syncing threads costs more than tiny matmuls


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


@pytest.fixture(scope="module")
def tiny_bert(tiny_family_dirs):
    """Tiny random BERT (masked-LM head) and its tokenizer."""
    folder = tiny_family_dirs["tiny-bert"]
    return load_language_model(str(folder)), load_tokenizer(folder)


def test_each_family_gets_its_method(tiny_family_dirs):
    methods = {
        name: scoring_method(load_language_model(str(folder)).config)
        for name, folder in tiny_family_dirs.items()
    }
    assert methods == {"tiny": CAUSAL, "tiny-llama": CAUSAL, "tiny-bert": MASKED}
    assert set(METHODS) == {"mean-log-prob", "pseudo-log-likelihood"}


def test_pseudo_log_likelihood_masks_each_token_in_turn(tiny_bert):
    model, tokenizer = tiny_bert
    sentence = SENTENCES[0]
    ids = tokenizer(sentence, return_tensors="pt")["input_ids"][0]
    terms = []
    with torch.no_grad():
        for pos in range(1, len(ids) - 1):  # every word-piece; not [CLS] or [SEP]
            masked = ids.clone()
            masked[pos] = tokenizer.mask_token_id
            logp = model(input_ids=masked[None]).logits[0, pos].log_softmax(-1)
            terms.append(logp[ids[pos]].item())
    score = sentence_scores(model, tokenizer, [sentence], progress=False)[0]
    assert score == pytest.approx(np.mean(terms), abs=1e-5)


def test_pseudo_log_likelihood_keeps_order_across_batches(tiny_bert):
    model, tokenizer = tiny_bert
    one_by_one = [sentence_scores(model, tokenizer, [s], progress=False)[0] for s in SENTENCES]
    batched = sentence_scores(model, tokenizer, SENTENCES, batch_size=7, progress=False)  # splits sentences
    reversed_batched = sentence_scores(model, tokenizer, SENTENCES[::-1], batch_size=64, progress=False)[::-1]
    np.testing.assert_allclose(batched, one_by_one, atol=1e-5)
    np.testing.assert_allclose(reversed_batched, one_by_one, atol=1e-5)


def test_llama_scores_from_its_begin_of_text_token(tiny_family_dirs):
    folder = tiny_family_dirs["tiny-llama"]
    model, tokenizer = load_language_model(str(folder)), load_tokenizer(folder)
    ids = torch.tensor([tokenizer(SENTENCES[1])["input_ids"]])  # begin-of-text is added in front
    assert ids[0, 0] == tokenizer.bos_token_id
    with torch.no_grad():
        loss = model(input_ids=ids, labels=ids).loss
    assert sentence_scores(model, tokenizer, [SENTENCES[1]], progress=False)[0] == pytest.approx(-loss.item())


def test_a_checkpoint_without_its_language_model_head_warns(tiny_family_dirs, tmp_path):
    from transformers import BertModel

    folder = tiny_family_dirs["tiny-bert"]
    BertModel.from_pretrained(folder).save_pretrained(
        tmp_path
    )  # the encoder alone, like ELECTRA's discriminator
    load_tokenizer(folder).save_pretrained(tmp_path)
    with pytest.warns(UserWarning, match="has no trained language-model head"):
        load_language_model(str(tmp_path))
