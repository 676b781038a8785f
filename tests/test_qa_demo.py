"""Span decoding for GPT-2's random question-answering head: valid spans that depend on the seed."""

import torch

from workshop_lib.modeling import load_tokenizer
from workshop_lib.qa_demo import answer, best_span, load_qa_model

CONTEXT = "The Corpus of Linguistic Acceptability was published in 2018 by researchers in New York."
QUESTION = "Who published the corpus?"


def test_best_span_stays_in_range_and_ordered():
    start = torch.tensor([9.0, 0.0, 1.0, 0.0, 5.0, 0.0])
    end = torch.tensor([9.0, 0.0, 0.0, 8.0, 0.0, 0.0])
    # Position 0 is outside [1, 5]; the end may not precede the start (4 -> 3 is refused).
    assert best_span(start, end, first=1, last=5)[:2] == (2, 3)
    assert best_span(start, end, first=1, last=5, max_tokens=1)[:2] == (3, 3)  # one token: 0 + 8


def test_answer_is_a_span_of_the_context(tiny_dir):
    tokenizer = load_tokenizer(tiny_dir)
    result = answer(load_qa_model(str(tiny_dir), seed=0), tokenizer, QUESTION, CONTEXT)
    assert 0 <= result["start_token"] <= result["end_token"]
    assert 0 <= result["start_char"] < result["end_char"] <= len(CONTEXT)
    assert result["answer"] == CONTEXT[result["start_char"] : result["end_char"]]
    assert result["answer"] == result["answer"].strip() != ""


def test_answer_depends_on_the_random_head(tiny_dir):
    tokenizer = load_tokenizer(tiny_dir)
    spans = {
        seed: answer(load_qa_model(str(tiny_dir), seed), tokenizer, QUESTION, CONTEXT)["answer"]
        for seed in range(4)
    }
    assert len(set(spans.values())) > 1  # another seed, another "answer": the head knows nothing
    assert answer(load_qa_model(str(tiny_dir), 0), tokenizer, QUESTION, CONTEXT)["answer"] == spans[0]
