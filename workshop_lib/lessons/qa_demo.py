"""Extractive question answering with an untrained span head: what the popular GPT-2 demo really shows."""

from __future__ import annotations

import torch
from transformers import AutoModelForQuestionAnswering, PreTrainedModel, PreTrainedTokenizerBase, set_seed

from ..modeling import load_pretrained


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


def encode_pair(tokenizer: PreTrainedTokenizerBase, question: str, context: str) -> dict:
    """Question and context as one input: ids, extra model inputs, and the context's tokens with offsets.

    The tokenizer's own pair template where it has one (BERT: [CLS] question [SEP] context [SEP]; Llama 3:
    <|begin_of_text|> before each); GPT-2 has none, so its <|endoftext|> divides the two.
    """
    if tokenizer.num_special_tokens_to_add(pair=True) > 0:
        enc = tokenizer(question, context, return_offsets_mapping=True)
        ids, offsets, sequence = enc["input_ids"], enc["offset_mapping"], enc.sequence_ids()
        extra = {"token_type_ids": enc["token_type_ids"]} if "token_type_ids" in enc else {}
    else:
        if tokenizer.eos_token_id is None:
            raise ValueError(
                "The tokenizer has no pair template and no end-of-text token to put between question and "
                "context; this demo needs one of the two."
            )
        q_ids = tokenizer(question, add_special_tokens=False)["input_ids"]
        ctx = tokenizer(context, add_special_tokens=False, return_offsets_mapping=True)
        ids = [*q_ids, tokenizer.eos_token_id, *ctx["input_ids"]]
        offsets = [(0, 0)] * (len(q_ids) + 1) + list(ctx["offset_mapping"])
        sequence = [0] * len(q_ids) + [None] + [1] * len(ctx["input_ids"])
        extra = {}
    context_tokens = [i for i, s in enumerate(sequence) if s == 1]
    return {"input_ids": ids, "extra": extra, "context_tokens": context_tokens, "offsets": offsets}


@torch.inference_mode()
def answer(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    question: str,
    context: str,
    max_tokens: int = 30,
) -> dict:
    """Answer `question` with the best-scoring span of `context`: its text, characters and score."""
    pair = encode_pair(tokenizer, question, context)
    inputs = {name: torch.tensor([values]) for name, values in pair["extra"].items()}
    out = model(input_ids=torch.tensor([pair["input_ids"]]), **inputs)
    first, last = pair["context_tokens"][0], pair["context_tokens"][-1]
    start, end, score = best_span(out.start_logits[0], out.end_logits[0], first, last, max_tokens)
    char_start, char_end = pair["offsets"][start][0], pair["offsets"][end][1]
    while char_start < char_end and context[char_start].isspace():  # byte-level tokens carry their space
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
