"""Look at a CoLA-shaped DatasetDict: sizes, labels, lengths, duplicates, empty rows, domains."""

from __future__ import annotations

import pandas as pd
from datasets import Dataset, DatasetDict
from transformers import PreTrainedTokenizerBase

NO_LABEL = "no label"  # GLUE's test split is unlabelled (label -1)


def _label_name(ds: Dataset, label: int) -> str:
    """Readable name of a label id (or NO_LABEL for -1)."""
    return NO_LABEL if label < 0 else ds.features["label"].int2str(label)


def split_sizes(data: DatasetDict) -> dict[str, int]:
    """Rows per split."""
    return {split: len(ds) for split, ds in data.items()}


def label_counts(data: DatasetDict) -> pd.DataFrame:
    """Rows per split and label (columns: split, label, count, share of the split)."""
    rows = []
    for split, ds in data.items():
        counts = pd.Series(ds["label"], dtype="int64").value_counts().sort_index()
        for label, count in counts.items():
            rows.append({"split": split, "label": _label_name(ds, int(label)), "count": int(count)})
    table = pd.DataFrame(rows, columns=["split", "label", "count"])
    table["share"] = table["count"] / table.groupby("split")["count"].transform("sum")
    return table


def word_lengths(sentences: list[str]) -> list[int]:
    """Words per sentence (split on whitespace)."""
    return [len(s.split()) for s in sentences]


def token_lengths(sentences: list[str], tokenizer: PreTrainedTokenizerBase) -> list[int]:
    """Tokens per sentence with `tokenizer` (no special tokens added)."""
    encoded = tokenizer(list(sentences), add_special_tokens=False, verbose=False)  # no over-length warning
    return [len(ids) for ids in encoded["input_ids"]]


def examples(ds: Dataset, per_label: int = 3, seed: int = 0) -> dict[str, list[str]]:
    """A seeded random sample of sentences for each label."""
    shuffled = ds.shuffle(seed=seed)
    out: dict[str, list[str]] = {}
    for sentence, label in zip(shuffled["sentence"], shuffled["label"], strict=True):
        picked = out.setdefault(_label_name(ds, label), [])
        if len(picked) < per_label:
            picked.append(sentence)
    return dict(sorted(out.items()))


def quality_report(data: DatasetDict) -> pd.DataFrame:
    """Per split: rows, empty and repeated sentences, repeats with conflicting labels, overlap with train."""
    train = {s.strip() for s in data["train"]["sentence"]} if "train" in data else set()
    rows = []
    for split, ds in data.items():
        frame = pd.DataFrame({"sentence": [s.strip() for s in ds["sentence"]], "label": ds["label"]})
        repeated = frame[frame.duplicated("sentence", keep="first")]
        labels_per_sentence = frame.groupby("sentence")["label"].nunique()
        rows.append(
            {
                "split": split,
                "rows": len(frame),
                "empty": int((frame["sentence"] == "").sum()),
                "duplicates": len(repeated),
                "conflicting_labels": int((labels_per_sentence > 1).sum()),
                "also_in_train": 0 if split == "train" else int(frame["sentence"].isin(train).sum()),
            }
        )
    return pd.DataFrame(rows).set_index("split")


def domain_counts(data: DatasetDict) -> pd.DataFrame | None:
    """Rows and acceptable share per split and domain (raw CoLA 1.1 form), or None without a domain column."""
    rows = []
    for split, ds in data.items():
        if "domain" not in ds.column_names or len(ds) == 0:
            continue
        frame = pd.DataFrame({"domain": ds["domain"], "label": ds["label"]})
        for domain, group in frame.groupby("domain"):
            rows.append(
                {
                    "split": split,
                    "domain": domain,
                    "rows": len(group),
                    "acceptable_share": float((group["label"] == 1).mean()),
                }
            )
    return pd.DataFrame(rows) if rows else None
