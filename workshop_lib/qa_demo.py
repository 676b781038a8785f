"""Extractive question answering with GPT-2's untrained span head: what the popular demo really shows."""

from __future__ import annotations

import torch
from transformers import AutoModelForQuestionAnswering, PreTrainedModel, PreTrainedTokenizerBase, set_seed

from .modeling import load_pretrained


def load_qa_model(name_or_path: str, seed: int) -> PreTrainedModel:
    """Load the model with a span head (start/end logits); the head is new and random, drawn from `seed`."""
    set_seed(seed)
    model = load_pretrained(AutoModelForQuestionAnswering, name_or_path, "the model", use_safetensors=True)
    return model.eval()


def best_span(
    start_logits, end_logits, first: int, last: int, max_tokens: int = 30
) -> tuple[int, int, float]:
    """The (start, end) with start <= end inside [first, last] and the highest start+end logit."""
    start_logits, end_logits = torch.as_tensor(start_logits), torch.as_tensor(end_logits)
    pos = torch.arange(len(start_logits))
    total = start_logits[:, None] + end_logits[None, :]
    allowed = (
        (pos[:, None] >= first)
        & (pos[None, :] <= last)
        & (pos[None, :] >= pos[:, None])
        & (pos[None, :] - pos[:, None] < max_tokens)
    )
    total = total.masked_fill(~allowed, float("-inf"))
    flat = int(torch.argmax(total))
    start, end = divmod(flat, total.shape[1])
    return start, end, float(total[start, end])


@torch.inference_mode()
def answer(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    question: str,
    context: str,
    max_tokens: int = 30,
) -> dict:
    """Answer `question` with the best-scoring span of `context`: its text, characters and score."""
    q_ids = tokenizer(question)["input_ids"]
    ctx = tokenizer(context, return_offsets_mapping=True)
    sep = tokenizer.eos_token_id  # GPT-2 has no [SEP]; <|endoftext|> divides question and context
    ids = torch.tensor([[*q_ids, sep, *ctx["input_ids"]]])
    out = model(input_ids=ids)
    first = len(q_ids) + 1  # the context's first token
    last = ids.shape[1] - 1
    start, end, score = best_span(out.start_logits[0], out.end_logits[0], first, last, max_tokens)
    char_start = ctx["offset_mapping"][start - first][0]
    char_end = ctx["offset_mapping"][end - first][1]
    while char_start < char_end and context[char_start].isspace():  # GPT-2 tokens carry their leading space
        char_start += 1
    while char_end > char_start and context[char_end - 1].isspace():
        char_end -= 1
    return {
        "answer": context[char_start:char_end],
        "start_char": char_start,
        "end_char": char_end,
        "start_token": start - first,
        "end_token": end - first,
        "score": score,
    }
