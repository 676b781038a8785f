"""Exploration helpers on small hand-made DatasetDicts."""

import pytest
from datasets import Dataset, DatasetDict

from workshop_lib.data import features
from workshop_lib.lessons.exploration import (
    domain_counts,
    examples,
    label_counts,
    quality_report,
    split_sizes,
    token_lengths,
    word_lengths,
)
from workshop_lib.modeling import load_tokenizer


def split(rows, domains=None):
    """A labelled split from (sentence, label) pairs."""
    cols = {"sentence": [s for s, _ in rows], "label": [y for _, y in rows], "idx": list(range(len(rows)))}
    if domains is not None:
        cols["domain"] = domains
    return Dataset.from_dict(cols, features=features(domains is not None))


@pytest.fixture
def data():
    """Train with a repeat, a conflicting repeat and an empty row; validation sharing one sentence."""
    train = split([("A b.", 1), ("A b.", 1), ("C d.", 1), ("C d.", 0), (" ", 0), ("E f g.", 1)])
    validation = split([("E f g.", 1), ("H i.", 0), ("J k l m.", 1)])
    return DatasetDict(train=train, validation=validation)


def test_sizes_and_label_counts(data):
    assert split_sizes(data) == {"train": 6, "validation": 3}
    table = label_counts(data).set_index(["split", "label"])
    assert table.loc[("train", "acceptable"), "count"] == 4
    assert table.loc[("train", "unacceptable"), "share"] == pytest.approx(2 / 6)
    assert table.loc[("validation", "acceptable"), "share"] == pytest.approx(2 / 3)


def test_unlabelled_test_split_is_named():
    test = Dataset.from_dict({"sentence": ["X."], "label": [-1], "idx": [0]}, features=features())
    assert label_counts(DatasetDict(test=test))["label"].tolist() == ["no label"]


def test_quality_report_counts_duplicates_conflicts_empty_and_overlap(data):
    report = quality_report(data)
    assert report.loc["train"].to_dict() == {
        "rows": 6,
        "empty": 1,
        "duplicates": 2,
        "conflicting_labels": 1,
        "also_in_train": 0,
    }
    assert report.loc["validation", "also_in_train"] == 1
    assert report.loc["validation", "duplicates"] == 0


def test_lengths_and_examples(data, tiny_family_dirs):
    assert word_lengths(["A b.", "J k l m.", ""]) == [2, 4, 0]
    texts = ["A b.", "A b. A b. A b.", "Colorless green ideas sleep furiously."]
    for name in ("tiny", "tiny-llama", "tiny-bert"):  # Llama adds begin-of-text, BERT [CLS] and [SEP]
        tokenizer = load_tokenizer(tiny_family_dirs[name])
        pieces = [len(tokenizer.tokenize(text)) for text in texts]  # the sentence's own tokens only
        assert token_lengths(texts, tokenizer) == pieces, name
    picked = examples(data["validation"], per_label=1)
    assert list(picked) == ["acceptable", "unacceptable"]
    assert picked["unacceptable"] == ["H i."]


def test_domain_counts_only_with_domain_column(data):
    assert domain_counts(data) is None
    raw = DatasetDict(validation=split([("A.", 1), ("B.", 0), ("C.", 1)], ["in", "out", "out"]))
    table = domain_counts(raw).set_index("domain")
    assert table.loc["out", "rows"] == 2
    assert table.loc["out", "acceptable_share"] == pytest.approx(0.5)
