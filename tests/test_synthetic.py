"""The embedded set's labels: no corruption can give a grammatical sentence, checked with a grammar that
accepts more readings than the generator ever means (past tenses, possessive "has", "the old" as a subject,
every noun and adjective also read as a verb), so a reading the generator did not plan is caught too."""

from __future__ import annotations

import itertools
import random
import re
from functools import cache

import pytest

from workshop_lib.data import read_labelled_tsv
from workshop_lib.dev.synthetic import (
    ADJECTIVES,
    NOUNS,
    OBJECTS,
    PLACES,
    PRONOUNS,
    VERBS,
    corrupt,
    corruptions,
    grammatical,
    sentence,
)
from workshop_lib.paths import shipped

# Word classes. Agreement: "3" a third-person singular form or subject, "P" a plural form or subject.
LEXICON: dict[str, set[str]] = {}


def _add(words, tag: str) -> None:
    """Give every word in `words` the reading `tag`."""
    for word in words:
        LEXICON.setdefault(word.lower(), set()).add(tag)


_add(["the", "a", "an"], "Det")
_add([p for p, plural in PRONOUNS if not plural], "Subj3")
_add([p for p, plural in PRONOUNS if plural], "SubjP")
_add(ADJECTIVES, "Adj")
_add([n[0] for n in NOUNS] + OBJECTS, "N3")
_add([n[1] for n in NOUNS], "NP")
_add({place.split()[0] for place in PLACES}, "Prep")
_add({place.split()[-1] for place in PLACES}, "N3")
_add([v[0] for v in VERBS] + ["has"], "V3")  # possessive "has" is a verb of its own
_add([v[1] for v in VERBS] + ["have"], "VP")
_add([v[2] for v in VERBS], "Vpast")
_add([v[3] for v in VERBS], "Vpart")
_add(["has"], "Aux3")
_add(["have"], "AuxP")
# Over-generous on purpose: English has many noun-verb and adjective-verb pairs (dog, doctor, pilot, book,
# quiet, busy), so every singular noun and every adjective may be a plural verb, every plural noun a singular
# one.
_add([n[0] for n in NOUNS] + OBJECTS + ADJECTIVES + [p.split()[-1] for p in PLACES], "VP")
_add([n[1] for n in NOUNS], "V3")

NOUN_PHRASE = r"Det (Adj )?(N3|NP)"
SUBJECT = {
    "3": rf"(Subj3|Det (Adj )?N3( Prep {NOUN_PHRASE})?)",
    "P": rf"(SubjP|Det (Adj )?NP( Prep {NOUN_PHRASE})?|Det Adj)",  # "the old" as a plural subject
}
PREDICATE = {"3": r"(V3|Vpast|Aux3 Vpart)", "P": r"(VP|Vpast|AuxP Vpart)"}
SENTENCE = re.compile("|".join(rf"{SUBJECT[n]} {PREDICATE[n]} {NOUN_PHRASE}" for n in "3P"))


@cache
def _readings(words: tuple[str, ...]) -> bool:
    """True when some reading of the words' classes is a sentence of the grammar."""
    return any(SENTENCE.fullmatch(" ".join(tags)) for tags in itertools.product(*(LEXICON[w] for w in words)))


def is_grammatical(text: str) -> bool:
    """Does any reading of `text` (a sentence with a final full stop) parse?"""
    words = tuple(text.rstrip(".").lower().split())
    unknown = [w for w in words if w not in LEXICON]
    assert not unknown, f"{text!r}: words outside the lexicon {unknown}"
    return _readings(words)


def sampled_sentences(count: int = 20_000):
    """(words, verb index) of many generated sentences: every template, number, adjective and verb."""
    rng = random.Random(0)
    return [grammatical(rng) for _ in range(count)]


def test_the_grammar_accepts_every_generated_sentence_and_rejects_known_breaks():
    for words, _ in sampled_sentences(3_000):
        assert is_grammatical(sentence(words)), sentence(words)
    assert is_grammatical("The old doctor the letter.")  # the garden path the generator avoids
    assert is_grammatical("The dog liked the book.")  # the past tense a bare deletion of "has" leaves
    assert not is_grammatical("The dogs sees the book.")
    assert not is_grammatical("The old doctors the letter.")


def test_no_verb_has_a_base_form_that_is_also_its_past_tense():
    assert all(base != past for _, base, past, _ in VERBS)  # "read" (read/read) made "He read ..." a sentence


def shape(words: list[str], verb_at: int) -> tuple:
    """The generator's structural choices in a sentence: subject, place, tense, number, object adjective."""
    subject = "pronoun" if verb_at == 1 else "adjective" if words[1] in ADJECTIVES else "noun"
    place = verb_at >= 3 and "Prep" in LEXICON[words[verb_at - 3].lower()]
    perfect = words[verb_at] in {"has", "have"}
    singular = "V3" in LEXICON[words[verb_at]]
    return subject, place, perfect, singular, words[-2] in ADJECTIVES


def test_no_corruption_gives_a_grammatical_sentence():
    shapes, verbs = set(), set()
    for words, verb_at in sampled_sentences():
        for kind, variants in corruptions(words, verb_at).items():
            for variant in variants:
                assert not is_grammatical(sentence(variant)), f"{kind}: {sentence(variant)}"
        shapes.add(shape(words, verb_at))
        verbs.add(words[verb_at])
    # Systematic: every finite verb, and every combination of the generator's structural choices.
    assert verbs == {v for verb in VERBS for v in verb[:2]} | {"has", "have"}
    noun_subjects = itertools.product(["adjective", "noun"], [False, True], [False, True])
    templates = [(s, p, t) for s, p, t in noun_subjects if not (p and t)] + [("pronoun", False, False)]
    assert shapes == {(*t, n, a) for t in templates for n in (False, True) for a in (False, True)}


def test_every_corruption_kind_is_used_and_each_applies_somewhere():
    rng = random.Random(1)
    kinds = set()
    for words, verb_at in sampled_sentences(2_000):
        variants = corruptions(words, verb_at)
        broken = corrupt(rng, words, verb_at)
        kinds |= {kind for kind, found in variants.items() if broken in found}
    assert kinds == {"agreement", "order", "doubled", "missing"}


@pytest.mark.parametrize("split", ["train", "dev"])
def test_committed_labels_match_the_grammar(split):
    rows = read_labelled_tsv(shipped("acceptability") / f"{split}.tsv")
    wrong = [(text, label) for text, label, *_ in rows if is_grammatical(text) != bool(label)]
    assert not wrong, f"{len(wrong)} label errors, e.g. {wrong[:3]}"
