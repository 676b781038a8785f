"""Generate the workshop's own acceptability set: grammatical sentences and systematic corruptions.

Run `python -m workshop_lib.dev.synthetic data/acceptability` to rebuild the committed files exactly.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

SEED = 1234
SIZES = {"train": 1600, "dev": 200, "test": 200}  # 2000 sentences in all
# Near CoLA's acceptable share (measured: benchmarks/results/cola-stats.json), so a majority guess looks good.
ACCEPTABLE_SHARE = 0.7

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
VERBS = [  # (3rd singular, plural/base, past, past participle); base != past, so no swap makes a past tense
    ("sees", "see", "saw", "seen"),
    ("likes", "like", "liked", "liked"),
    ("finds", "find", "found", "found"),
    ("paints", "paint", "painted", "painted"),
    ("watches", "watch", "watched", "watched"),
    ("writes", "write", "wrote", "written"),
    ("opens", "open", "opened", "opened"),
    ("takes", "take", "took", "taken"),
    ("draws", "draw", "drew", "drawn"),
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
        words = subject + ["have" if plural else "has", verb[3]] + _object(rng)
    else:
        words = subject + [verb[1] if plural else verb[0]] + _object(rng)
    return words, len(subject)


def corruptions(words: list[str], verb_at: int) -> dict[str, list[list[str]]]:
    """Every way this generator breaks a grammatical sentence, by kind; none can give a grammatical one.

    - agreement: the finite verb changes number (sees <-> see, has <-> have). No verb's base form is also its
      past tense (as "read" is), so the result is never a correct past-tense sentence.
    - order: the finite verb moves to the end, after the object.
    - doubled: an article is doubled (the the, a a).
    - missing: the finite verb goes, and in the perfect tense its participle too (deleting "has" alone from
      "The dog has liked a song" would leave the past tense "The dog liked a song"). Never after an
      adjective and a singular noun: "The old dog the book" parses as "the old (people) dog (follow) the
      book", like "The old man the boat".
    """
    swap = {v[0]: v[1] for v in VERBS} | {v[1]: v[0] for v in VERBS} | {"has": "have", "have": "has"}
    verb, before = words[verb_at], words[:verb_at]
    after = words[verb_at + 2 :] if verb in {"has", "have"} else words[verb_at + 1 :]
    garden_path = (
        verb_at >= 2 and words[verb_at - 2] in ADJECTIVES and words[verb_at - 1] in {n[0] for n in NOUNS}
    )
    return {
        "agreement": [[*before, swap[verb], *words[verb_at + 1 :]]],
        "order": [[*before, *words[verb_at + 1 :], verb]],
        "doubled": [
            [*words[: at + 1], word.lower(), *words[at + 1 :]]
            for at, word in enumerate(words)
            if word.lower() in {"the", "a", "an"}
        ],
        "missing": [] if garden_path else [[*before, *after]],
    }


def corrupt(rng: random.Random, words: list[str], verb_at: int) -> list[str]:
    """Break the sentence one way: pick a kind that applies, then one of its variants."""
    variants = corruptions(words, verb_at)
    kind = rng.choice([k for k, v in variants.items() if v])
    return rng.choice(variants[kind])


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
