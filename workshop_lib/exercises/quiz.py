"""Self-check quizzes: a few multiple-choice questions at the end of each notebook, on its key points.

A notebook's quiz is one code cell (tags ["quiz"], metadata "quiz": its key) calling `quiz(key, answers)`
with a literal dict {question number: letter}; "" is not answered yet. The cell prints each question, its
choices and a verdict (one sentence of feedback per wrong choice). `workshop progress` reads the dict
from the cell's text (never runs it) and counts answered and right per learner and per question.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from . import check
from .check import NOT_DONE, NOT_RIGHT, RIGHT

TAG = "quiz"


@dataclass(frozen=True)
class Question:
    """One multiple-choice question: the choices by letter, the right letter, a sentence per wrong one."""

    text: str
    choices: dict[str, str]
    right: str
    why: dict[str, str]  # for each wrong letter: why it is wrong


Q = Question
QUIZZES: dict[str, tuple[str, list[Question]]] = {  # key: (notebook file, questions)
    "01": ("01_goal.ipynb", [
        Q("CoLA calls a sentence acceptable when ...",
          {"a": "it is true", "b": "a native speaker would call it possible English", "c": "it is short"},
          "b", {"a": "Truth does not count: a false sentence can be perfect English.",
                "c": "Length does not count: long sentences can be acceptable."}),
        Q("An untrained classification head gives a verdict. It is ...",
          {"a": "a weak but real signal", "b": "noise that changes with the seed", "c": "the baseline"},
          "b", {"a": "The head's weights are random: nothing was learnt yet.",
                "c": "The baseline is the language model's mean log-probability with a threshold."}),
        Q("Where does the zero-shot baseline's threshold come from?",
          {"a": "Training sentences", "b": "Validation sentences", "c": "It is fixed at 0"},
          "a", {"b": "Choosing on validation would make the score it reports optimistic.",
                "c": "Log-probabilities are negative; the threshold is chosen to give the best MCC."}),
    ]),
    "02": ("02_data_exploration.ipynb", [
        Q("Always guessing 'acceptable' on CoLA gives ...",
          {"a": "MCC 0", "b": "accuracy 0", "c": "F1 0"},
          "a", {"b": "Most sentences are acceptable, so its accuracy is high.",
                "c": "F1 of the acceptable class is high for that guess."}),
        Q("What decides memory, time and padding?",
          {"a": "Words per sentence", "b": "Tokens per sentence", "c": "Characters per sentence"},
          "b", {"a": "The model sees tokens; one word can be several.",
                "c": "Characters are grouped into tokens before the model sees them."}),
        Q("An unacceptable CoLA sentence is often ...",
          {"a": "random words", "b": "one small change away from an acceptable one", "c": "not English"},
          "b", {"a": "Most are built from acceptable sentences by one edit.",
                "c": "They use English words; the grammar is what fails."}),
    ]),
    "03": ("03_preprocessing.ipynb", [
        Q("GPT-2 has no pad token. What does the workshop set?",
          {"a": "Nothing", "b": "A pad token and the model's pad_token_id", "c": "Padding to 1,024 tokens"},
          "b", {"a": "Batching needs padding, and the classifier must find the last real token.",
                "c": "That is padding length, not a pad token, and it wastes compute."}),
        Q("When are batches padded?",
          {"a": "Once, when tokenizing", "b": "By the collator, per batch", "c": "Never"},
          "b", {"a": "Tokenizing without padding lets each batch pad only to its own longest sentence.",
                "c": "Sentences of different lengths must be padded to share a tensor."}),
        Q("Why group sentences of similar length?",
          {"a": "Less padding to compute", "b": "Better accuracy", "c": "The Trainer requires it"},
          "a", {"b": "It changes the cost of a batch, not what the model can learn.",
                "c": "It is an option of the recipe, not a requirement."}),
    ]),
    "04": ("04_training_setup_and_metric.ipynb", [
        Q("Which split chooses the kept checkpoint?",
          {"a": "Training", "b": "Selection", "c": "Validation"},
          "b", {"a": "A model is always good on what it trained on.",
                "c": "Validation only scores the kept model, so its score stays honest."}),
        Q("A tutorial's TrainingArguments name fails. What do you check?",
          {"a": "Another tutorial", "b": "The installed library's source", "c": "Nothing: downgrade"},
          "b", {"a": "Tutorials lag behind renamed arguments.",
                "c": "The installed version is the one that runs; read what it accepts."}),
        Q("A model predicts one class for every sentence. Its MCC is ...",
          {"a": "0", "b": "its accuracy", "c": "1"},
          "a", {"b": "Accuracy rewards a constant guess; MCC does not.",
                "c": "MCC 1 needs every sentence right."}),
    ]),
    "05": ("05_training.ipynb", [
        Q("Fine-tuning here trains ...",
          {"a": "only the new head", "b": "a new 2-label head and the pretrained weights", "c": "a new net"},
          "b", {"a": "The pretrained weights learn too (quick freezes only the token embeddings).",
                "c": "It starts from the pretrained weights; only the head is new."}),
        Q("Why does resuming from a checkpoint give the same result?",
          {"a": "It holds optimizer, schedule and random state", "b": "Its weights", "c": "Luck"},
          "a", {"b": "Weights alone would restart AdamW's moments and the schedule.",
                "c": "It is exact by design: every state a step needs is saved."}),
        Q("Validation loss rises while training loss falls. This is ...",
          {"a": "over-fitting", "b": "a bug", "c": "a learning rate too small"},
          "a", {"b": "It is the expected sign of memorising the training set.",
                "c": "A small rate makes both fall slowly."}),
    ]),
    "06": ("06_usage_and_deployment.ipynb", [
        Q("A saved model is ...",
          {"a": "one weights file", "b": "a folder: weights, config, tokenizer files", "c": "a pickle"},
          "b", {"a": "Without config and tokenizer the weights cannot be used.",
                "c": "The workshop saves safetensors, never pickles."}),
        Q("What does a pipeline add to the model?",
          {"a": "Tokenization, softmax and label names", "b": "Input checks", "c": "Training"},
          "a", {"b": "Checking the input is the application's job.",
                "c": "A pipeline only predicts."}),
        Q("When do you trust an exported model?",
          {"a": "When the export runs", "b": "After a parity check against PyTorch", "c": "Always"},
          "b", {"a": "An export can run and still compute other numbers.",
                "c": "Exports differ in operators and precision: compare outputs."}),
    ]),
    "loop": ("appendix_training_loop.ipynb", [
        Q("Which weights does the Trainer's AdamW not decay?",
          {"a": "None", "b": "Biases and norm weights", "c": "The head"},
          "b", {"a": "It excludes biases and normalization weights, and so must your loop.",
                "c": "The head's weight is decayed like the other weights."}),
        Q("When is the learning rate schedule stepped?",
          {"a": "After every optimizer step", "b": "After every epoch", "c": "Before training"},
          "a", {"b": "The linear schedule counts optimizer steps, not epochs.",
                "c": "It changes the rate at every step."}),
        Q("The loop's losses equal the Trainer's because ...",
          {"a": "same seed, batches, optimizer and clipping", "b": "PyTorch is deterministic", "c": "chance"},
          "a", {"b": "Only the same inputs in the same order give the same numbers.",
                "c": "The test holds them equal at every step: it is by construction."}),
    ]),
    "lora": ("appendix_lora.ipynb", [
        Q("Why does B start at zero?",
          {"a": "So the wrapped model starts as the base model", "b": "To save memory", "c": "Speed"},
          "a", {"b": "A zero matrix takes the same memory as any other.",
                "c": "It changes the start, not the cost of a step."}),
        Q("What does LoRA make much smaller here?",
          {"a": "The file to save and the trained parameters", "b": "Every step's time", "c": "The model"},
          "a", {"b": "Backward still runs through every block: the measured gain per step is modest.",
                "c": "The base model is unchanged; the adapters come on top."}),
        Q("GPT-2's Conv1D differs from nn.Linear in ...",
          {"a": "its weight is stored (in, out), transposed", "b": "it convolves", "c": "nothing"},
          "a", {"b": "Despite its name it is a linear layer.",
                "c": "Its weight is transposed: peft needs fan_in_fan_out for it."}),
    ]),
}


def questions(key: str) -> list[Question]:
    """The questions of quiz `key`."""
    return QUIZZES[key][1]


def cell_source(key: str, answers: dict[int, str] | None = None) -> str:
    """The quiz cell of notebook `key`, with `answers` (default: none given)."""
    given = answers or {}
    slots = ", ".join(f'{n}: "{given.get(n, "")}"' for n in range(1, len(questions(key)) + 1))
    return (
        f'# Quiz: write the letter you choose between the quotes, then run this cell.\n'
        f"from workshop_lib.exercises.quiz import quiz\n\n"
        f'quiz("{key}", {{{slots}}})'
    )


def right_answers(key: str) -> dict[int, str]:
    """Every question's right letter."""
    return {n: q.right for n, q in enumerate(questions(key), start=1)}


def verdicts(key: str, answers: dict) -> dict[int, tuple[str, str]]:
    """{question number: (verdict, feedback)} for the given answers."""
    out = {}
    for number, item in enumerate(questions(key), start=1):
        letter = str(answers.get(number, "")).strip().lower()
        if not letter:
            out[number] = (NOT_DONE, "Not answered yet.")
        elif letter == item.right:
            out[number] = (RIGHT, "Right.")
        elif letter in item.why:
            out[number] = (NOT_RIGHT, f"Not right yet: {item.why[letter]}")
        else:
            out[number] = (NOT_RIGHT, f"Not right yet: choose one of {', '.join(item.choices)}.")
    return out


def quiz(key: str, answers: dict) -> None:
    """Print each question with its choices and the verdict on the given answer."""
    judged = verdicts(key, answers)
    for number, item in enumerate(questions(key), start=1):
        print(f"{number}. {item.text}")
        print("   " + "   ".join(f"{letter}) {text}" for letter, text in item.choices.items()))
        print(f"   -> {judged[number][1]}")
    right = sum(v == RIGHT for v, _ in judged.values())
    print(f"{right} of {len(judged)} right.")
    if check._strict and right < len(judged):
        raise check.NotRightError(f"quiz {key}: {right} of {len(judged)} right")


def answers_in(source: str, key: str) -> dict | None:
    """The answers dict of a quiz cell's `quiz(key, {...})` call, read without running it; None if absent."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "quiz" and len(node.args) == 2:
            try:
                if ast.literal_eval(node.args[0]) == key:
                    found = ast.literal_eval(node.args[1])
                    return found if isinstance(found, dict) else None
            except ValueError:
                return None
    return None


def by_notebook() -> dict[str, str]:
    """{notebook file name: quiz key}."""
    return {notebook: key for key, (notebook, _) in QUIZZES.items()}
