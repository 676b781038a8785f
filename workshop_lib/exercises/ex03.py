"""Notebook 03's exercises: per-batch padding by hand, padding to 1,024, batch size, the pad id."""

from __future__ import annotations

from .check import Case, exercise, question


def pad_batch(sequences, pad_id):
    """Pad token-id lists on the right to the longest one: {"input_ids": ..., "attention_mask": ...}."""
    longest = max(len(ids) for ids in sequences)
    input_ids = [ids + [pad_id] * (longest - len(ids)) for ids in sequences]
    attention_mask = [[1] * len(ids) + [0] * (longest - len(ids)) for ids in sequences]
    return {"input_ids": input_ids, "attention_mask": attention_mask}


def _pad_cases() -> list[Case]:
    """Different lengths, one row, rows already equal, and a pad id that also occurs as a real token."""
    return [
        Case(
            ([[464, 3797, 3332, 13], [464, 3797, 13]], 50256),
            expected={
                "input_ids": [[464, 3797, 3332, 13], [464, 3797, 13, 50256]],
                "attention_mask": [[1, 1, 1, 1], [1, 1, 1, 0]],
            },
            hint="pad on the right, to this batch's longest row; the mask is 1 on real tokens, 0 on padding.",
        ),
        Case(
            ([[5, 6], [7], [8, 9, 10]], 0),
            expected={
                "input_ids": [[5, 6, 0], [7, 0, 0], [8, 9, 10]],
                "attention_mask": [[1, 1, 0], [1, 0, 0], [1, 1, 1]],
            },
        ),
        Case(([[1, 2, 3]], 0), expected={"input_ids": [[1, 2, 3]], "attention_mask": [[1, 1, 1]]}),
        Case(
            ([[2, 0], [2]], 0),
            expected={"input_ids": [[2, 0], [2, 0]], "attention_mask": [[1, 1], [1, 0]]},
            hint="build the mask from each row's length: a real token can have the pad id.",
        ),
    ]


exercise(
    "pad_batch",
    pad_batch,
    _pad_cases,
    right="your batches are padded to their longest row with the right mask, like DataCollatorWithPadding.",
)

question(
    "pad_to_1024",
    """
    The batch becomes 2 × 1,024 tokens (2 × 128 with the tiny smoke model), and nearly all of its mask
    is 0: the two sentences have only a few real tokens each. The logits do not change (up to float
    rounding): the mask hides the padding from attention, and the classifier reads the last real token,
    found through `pad_token_id`. What changes is the cost: the model computes every padding position like
    a real one, and attention compares all pairs of positions. With GPT-2 small's architecture the two
    sentences padded to 1,024 take many times longer than padded per batch (2 × 11 GPT-2 tokens), for the
    same logits. The tiny smoke model's calls are short and mostly fixed overhead, so there the difference
    is small, and on a busy machine it can even come out reversed.
    """,
)

question(
    "batch_size_waste",
    """
    The per-batch waste grows with the batch size: each batch is padded to its longest sentence, and the
    more sentences a batch holds, the longer its longest one tends to be, while most rows stay short. A
    batch of 1 wastes nothing. Padding to 1,024 does not depend on the batch size at all, and
    length-sorted batches stay at a few per cent, because neighbours in sorted order have almost the same
    length. This is why large batches make length grouping (`group_by_length`) more valuable.
    """,
)

question(
    "why_config_pad_id",
    """
    The tokenizer's pad token only decides which id fills the batch. The *model* must also know that id:
    GPT2ForSequenceClassification classifies from one position, the last real token of each row (GPT-2
    reads left to right, so only that token has seen the whole sentence), and it finds that position as
    the rightmost token whose id is not `config.pad_token_id`. With `pad_token_id = None` it refuses
    batches of more than one sentence, and for a single padded sentence it takes the last position, a
    padding token, so the prediction comes from filler. Setting both keeps a sentence's logits the same
    alone and in a padded batch.
    """,
)

question(
    "eos_as_pad",
    """
    Padding positions never influence a real token: the attention mask hides them, and GPT-2 is causal, so
    right padding comes *after* every real token anyway. The classifier reads the last real token, not the
    padding, and no loss is computed on padding positions (the loss is on the sentence's label). So the
    pad id's embedding never matters, and any existing token can serve; `<|endoftext|>` is the usual
    choice because it exists in every GPT-2 tokenizer and never appears inside our sentences. (It would
    matter if a sentence *ended* with `<|endoftext|>`: the model would take it for padding.)
    """,
)
