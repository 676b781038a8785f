"""Generate the workshop's own acceptability set: grammatical sentences and systematic corruptions.

Run `python -m workshop_lib.synthetic data/acceptability` to rebuild the committed files exactly.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

SEED = 1234
SIZES = {"train": 1600, "dev": 200, "test": 200}  # 2000 sentences in all
ACCEPTABLE_SHARE = 0.7  # close to CoLA's 70 % acceptable, so a majority guess looks deceptively good

NOUNS = [  # (singular, plural)
    ("dog", "dogs"),
    ("cat", "cats"),
    ("teacher", "teachers"),
    ("child", "children"),
    ("farmer", "farmers"),
    ("student", "students"),
    ("bird", "birds"),
    ("doctor", "doctors"),
    ("painter", "painters"),
    ("neighbour", "neighbours"),
    ("baker", "bakers"),
    ("pilot", "pilots"),
]
OBJECTS = ["book", "letter", "apple", "song", "car", "house", "garden", "window", "river", "story"]
VERBS = [  # (3rd singular, plural/base, past participle)
    ("sees", "see", "seen"),
    ("likes", "like", "liked"),
    ("finds", "find", "found"),
    ("paints", "paint", "painted"),
    ("watches", "watch", "watched"),
    ("writes", "write", "written"),
    ("opens", "open", "opened"),
    ("reads", "read", "read"),
    ("draws", "draw", "drawn"),
]
ADJECTIVES = ["old", "small", "happy", "quiet", "clever", "tall", "young", "busy"]
PLACES = ["in the park", "near the school", "by the river", "at the market", "on the hill"]
PRONOUNS = [("He", False), ("She", False), ("They", True), ("We", True)]


def _noun_phrase(rng: random.Random, plural: bool) -> list[str]:
    """A subject such as 'the old dogs'."""
    words = ["the"] + ([rng.choice(ADJECTIVES)] if rng.random() < 0.5 else [])
    return words + [rng.choice(NOUNS)[1 if plural else 0]]


def _object(rng: random.Random) -> list[str]:
    """An object such as 'a small letter'."""
    adj = [rng.choice(ADJECTIVES)] if rng.random() < 0.4 else []
    det = rng.choice(["the", "a"])
    if det == "a" and adj and adj[0][0] in "aeiou":
        det = "an"
    noun = rng.choice(OBJECTS)
    if det == "a" and not adj and noun[0] in "aeiou":
        det = "an"
    return [det, *adj, noun]


def grammatical(rng: random.Random) -> tuple[list[str], int]:
    """Return a grammatical sentence as words and the index of its finite verb."""
    plural = rng.random() < 0.5
    verb = rng.choice(VERBS)
    kind = rng.randrange(4)
    if kind == 3:
        pronoun, plural = rng.choice(PRONOUNS)
        subject = [pronoun]
    else:
        subject = _noun_phrase(rng, plural)
        subject[0] = subject[0].capitalize()
    if kind == 1:  # a place between subject and verb: agreement across an attractor
        subject += rng.choice(PLACES).split()
    if kind == 2:  # perfect tense: the auxiliary carries agreement
        words = subject + ["have" if plural else "has", verb[2]] + _object(rng)
    else:
        words = subject + [verb[1] if plural else verb[0]] + _object(rng)
    return words, len(subject)


def corrupt(rng: random.Random, words: list[str], verb_at: int) -> list[str]:
    """Break the sentence in one of four systematic ways."""
    words = list(words)
    kind = rng.randrange(4)
    if kind == 0:  # agreement: swap the finite verb's number
        swap = {v[0]: v[1] for v in VERBS} | {v[1]: v[0] for v in VERBS} | {"has": "have", "have": "has"}
        words[verb_at] = swap[words[verb_at]]
    elif kind == 1:  # word order: move the verb to the end
        words.append(words.pop(verb_at))
    elif kind == 2:  # a doubled function word
        at = rng.choice([i for i, w in enumerate(words) if w.lower() in {"the", "a", "an"}])
        words.insert(at, words[at].lower())
    else:  # the verb is missing
        del words[verb_at]
    return words


def sentence(words: list[str]) -> str:
    """Join words into a sentence with a capital and a full stop."""
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def generate(seed: int = SEED) -> dict[str, list[tuple[str, int]]]:
    """Return {split: [(sentence, label)]} with unique sentences across all splits."""
    rng = random.Random(seed)
    seen: set[str] = set()
    splits = {}
    for split, size in SIZES.items():
        rows: list[tuple[str, int]] = []
        while len(rows) < size:
            words, verb_at = grammatical(rng)
            label = int(rng.random() < ACCEPTABLE_SHARE)
            text = sentence(words if label else corrupt(rng, words, verb_at))
            if text not in seen:
                seen.add(text)
                rows.append((text, label))
        splits[split] = rows
    return splits


def write(directory: Path, seed: int = SEED) -> None:
    """Write train.tsv, dev.tsv and test.tsv in GLUE form (test keeps its labels out)."""
    directory.mkdir(parents=True, exist_ok=True)
    splits = generate(seed)
    for split in ("train", "dev"):
        lines = [f"syn\t{label}\t{'' if label else '*'}\t{text}" for text, label in splits[split]]
        (directory / f"{split}.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    test = ["index\tsentence"] + [f"{i}\t{text}" for i, (text, _) in enumerate(splits["test"])]
    (directory / "test.tsv").write_text("\n".join(test) + "\n", encoding="utf-8")
    answers = [f"{i}\t{label}" for i, (_, label) in enumerate(splits["test"])]
    (directory / "test_labels.tsv").write_text("index\tlabel\n" + "\n".join(answers) + "\n")


if __name__ == "__main__":
    write(Path(sys.argv[1] if len(sys.argv) > 1 else "data/acceptability"))
