"""Span decoding for a random question-answering head: pair encoding per family, seed-dependent spans."""

import pytest
import torch

from workshop_lib.lessons.qa_demo import answer, best_span, encode_pair, load_qa_model
from workshop_lib.modeling import load_tokenizer

CONTEXT = "The Corpus of Linguistic Acceptability was published in 2018 by researchers in New York."
QUESTION = "Who published the corpus?"


def test_best_span_stays_in_range_and_ordered():
    start = torch.tensor([9.0, 0.0, 1.0, 0.0, 5.0, 0.0])
    end = torch.tensor([9.0, 0.0, 0.0, 8.0, 0.0, 0.0])
    # Position 0 is outside [1, 5]; the end may not precede the start (4 -> 3 is refused).
    assert best_span(start, end, first=1, last=5)[:2] == (2, 3)
    assert best_span(start, end, first=1, last=5, max_tokens=1)[:2] == (3, 3)  # one token: 0 + 8


def check_best_context_span(model, tokenizer, result: dict) -> None:
    """The answer is the text of the context tokens with the highest start + end logit (at most 30 tokens,
    start <= end), found here by brute force over every pair, independently of best_span."""
    pair = encode_pair(tokenizer, QUESTION, CONTEXT)
    inputs = {name: torch.tensor([values]) for name, values in pair["extra"].items()}
    with torch.inference_mode():
        out = model(input_ids=torch.tensor([pair["input_ids"]]), **inputs)
    start_logits, end_logits = out.start_logits[0].tolist(), out.end_logits[0].tolist()
    context = pair["context_tokens"]
    spans = [(i, j) for i in context for j in context if i <= j < i + 30]
    start, end = max(spans, key=lambda span: start_logits[span[0]] + end_logits[span[1]])
    assert (result["start_token"], result["end_token"]) == (start - context[0], end - context[0])
    assert result["score"] == pytest.approx(start_logits[start] + end_logits[end], abs=1e-5)
    chars = CONTEXT[pair["offsets"][start][0] : pair["offsets"][end][1]]
    assert result["answer"] == chars.strip() == CONTEXT[result["start_char"] : result["end_char"]] != ""


def test_answer_depends_on_the_random_head(tiny_dir):
    tokenizer = load_tokenizer(tiny_dir)
    spans = {
        seed: answer(load_qa_model(str(tiny_dir), seed), tokenizer, QUESTION, CONTEXT)["answer"]
        for seed in range(4)
    }
    assert len(set(spans.values())) > 1  # another seed, another "answer": the head knows nothing
    assert answer(load_qa_model(str(tiny_dir), 0), tokenizer, QUESTION, CONTEXT)["answer"] == spans[0]


@pytest.mark.parametrize("name", ["tiny", "tiny-llama", "tiny-bert"])
def test_every_family_answers_with_a_span_of_the_context(tiny_family_dirs, name):
    folder = tiny_family_dirs[name]
    tokenizer = load_tokenizer(folder)
    model = load_qa_model(str(folder), seed=0)
    result = answer(model, tokenizer, QUESTION, CONTEXT)
    assert 0 <= result["start_char"] < result["end_char"] <= len(CONTEXT)
    check_best_context_span(model, tokenizer, result)


def test_pair_encoding_uses_each_tokenizers_own_template(tiny_family_dirs):
    gpt2, llama, bert = (load_tokenizer(tiny_family_dirs[n]) for n in ("tiny", "tiny-llama", "tiny-bert"))
    # GPT-2: no pair template; <|endoftext|> divides question and context.
    pair = encode_pair(gpt2, QUESTION, CONTEXT)
    assert gpt2.decode(pair["input_ids"]) == f"{QUESTION}<|endoftext|>{CONTEXT}"
    # BERT: [CLS] question [SEP] context [SEP], the context marked with token type 1.
    pair = encode_pair(bert, QUESTION, CONTEXT)
    assert pair["input_ids"][0] == bert.cls_token_id and pair["input_ids"].count(bert.sep_token_id) == 2
    types = pair["extra"]["token_type_ids"]
    assert all(types[i] == 1 for i in pair["context_tokens"]) and types[0] == 0
    # Llama 3 style: begin-of-text before each text.
    pair = encode_pair(llama, QUESTION, CONTEXT)
    assert pair["input_ids"].count(llama.bos_token_id) == 2 and pair["input_ids"][0] == llama.bos_token_id
    # In every family the context tokens map back onto the context's characters.
    for tokenizer in (gpt2, llama, bert):
        pair = encode_pair(tokenizer, QUESTION, CONTEXT)
        first, last = pair["context_tokens"][0], pair["context_tokens"][-1]
        assert pair["context_tokens"] == list(range(first, last + 1))
        text = CONTEXT[pair["offsets"][first][0] : pair["offsets"][last][1]]
        assert text.strip() == CONTEXT


def test_no_template_and_no_end_of_text_token_is_refused(tiny_family_dirs):
    tokenizer = load_tokenizer(tiny_family_dirs["tiny"])
    tokenizer.eos_token = None
    with pytest.raises(ValueError, match="no pair template and no end-of-text token"):
        encode_pair(tokenizer, QUESTION, CONTEXT)
