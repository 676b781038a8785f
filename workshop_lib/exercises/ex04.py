"""Notebook 04's exercises: TrainingArguments per step, the schedule, counting steps, batch size, MCC."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

from transformers import TrainingArguments

from ..data import selection_size
from ..lessons.figures import COLA_TRAIN_SENTENCES, rate
from ..paths import shipped
from ..settings import resolve
from .check import Case, exercise, question


def steps_arguments(output_dir):
    """TrainingArguments: evaluate and save every 50 steps, keep 2 checkpoints, reload the best by MCC."""
    return TrainingArguments(
        output_dir=output_dir,
        eval_strategy="steps",
        eval_steps=50,
        save_strategy="steps",  # reloading the best checkpoint needs one saved at every evaluation
        save_steps=50,
        save_total_limit=2,
        load_best_model_at_end=True,
        metric_for_best_model="mcc",
        report_to="none",
    )


def _value(args, name: str) -> str:
    """A TrainingArguments field as plain text (enums by their value)."""
    value = getattr(args, name)
    return str(getattr(value, "value", value))


def _named(*names: str) -> Callable[[TrainingArguments], str]:
    """Words for the named fields of an answer's TrainingArguments, as the feedback shows them."""
    return lambda args: ", ".join(f"{name}={_value(args, name)!r}" for name in names)


def _fields_case(want: str, hint: str, **fields) -> Case:
    """A case accepting TrainingArguments whose named fields have the given values."""
    return Case(
        ("exercise-checkpoints",),
        accept=lambda args: all(_value(args, k) == str(v) for k, v in fields.items()),
        want=want,
        hint=hint,
        shown=_named(*fields),
    )


def _steps_cases() -> list[Case]:
    """One case per requirement, so the feedback names the one that is missing."""
    return [
        Case(
            ("exercise-checkpoints",),
            accept=lambda a: isinstance(a, TrainingArguments),
            want="a TrainingArguments object",
            hint="return TrainingArguments(output_dir=output_dir, ...).",
            shown=lambda got: f"a {type(got).__name__}",
        ),
        Case(
            ("exercise-checkpoints",),
            accept=lambda args: args.output_dir == "exercise-checkpoints",
            want="output_dir='exercise-checkpoints' (the folder passed in)",
            hint="pass the function's own output_dir on: the caller chooses where checkpoints go.",
            shown=_named("output_dir"),
        ),
        _fields_case(
            "evaluation every 50 steps",
            "eval_strategy='steps' and eval_steps=50.",
            eval_strategy="steps",
            eval_steps=50,
        ),
        _fields_case(
            "a checkpoint every 50 steps",
            "save_strategy='steps' and save_steps=50.",
            save_strategy="steps",
            save_steps=50,
        ),
        _fields_case("at most 2 checkpoints", "save_total_limit=2.", save_total_limit=2),
        Case(
            ("exercise-checkpoints",),
            accept=lambda args: args.load_best_model_at_end
            and args.metric_for_best_model in ("mcc", "eval_mcc")  # the Trainer adds the "eval_" itself
            and args.greater_is_better,
            want="the best checkpoint by MCC reloaded at the end",
            hint="load_best_model_at_end=True and metric_for_best_model='mcc' (higher is better).",
            shown=_named("load_best_model_at_end", "metric_for_best_model", "greater_is_better"),
        ),
    ]


exercise(
    "steps_arguments",
    steps_arguments,
    _steps_cases,
    right="evaluation and a checkpoint every 50 steps, 2 checkpoints kept, the best by MCC reloaded.",
)


def learning_rate_at(step, total_steps, warmup_steps, peak):
    """The linear warm-up then linear decay schedule's learning rate at one step."""
    if step < warmup_steps:
        return peak * step / warmup_steps
    return peak * max(0.0, (total_steps - step) / max(1, total_steps - warmup_steps))


def _schedule_cases() -> list[Case]:
    """Values of transformers' get_linear_schedule_with_warmup, written out."""
    warm = "during warm-up the rate grows in proportion to step / warmup_steps."
    decay = "after warm-up it falls in proportion to (total_steps - step) / (total_steps - warmup_steps)."
    return [
        Case((0, 100, 10, 1e-3), 0.0, hint="the very first step runs at rate 0."),
        Case((5, 100, 10, 1e-3), 5e-4, hint=warm),
        Case((10, 100, 10, 1e-3), 1e-3, hint="at the end of warm-up the rate is the peak."),
        Case((55, 100, 10, 1e-3), 5e-4, hint=decay),
        Case((100, 100, 10, 1e-3), 0.0, hint="the last step runs at rate 0."),
        Case((30, 1000, 60, 5e-5), 2.5e-5, hint=warm),
        Case((530, 1000, 60, 5e-5), 2.5e-5, hint=decay),
        Case((32, 100, 10, 1e-3), 1e-3 * 68 / 90, hint=decay + " A straight line, not a cosine."),
        Case(
            (0, 50, 0, 1.0),
            1.0,
            hint="without warm-up the first step runs at the peak (never divide by 0).",
        ),
    ]


exercise(
    name="learning_rate_at",
    solution=learning_rate_at,
    cases=_schedule_cases,
    right="your schedule gives the Trainer's learning rates, with and without warm-up.",
)


def optimizer_steps(sentences, batch_size, epochs, warmup_share):
    """(all optimizer steps, warm-up steps) of a run, counted as the Trainer counts them."""
    per_epoch = math.ceil(sentences / batch_size)  # the last, smaller batch is a step too
    total = math.ceil(epochs * per_epoch)  # 2.5 epochs stop half-way through the third
    return total, math.ceil(total * warmup_share)  # TrainingArguments.get_warmup_steps rounds up


def _steps_count_cases() -> list[Case]:
    """The profiles' runs and batch 64, counted by hand; the warm-up agrees with get_warmup_steps."""
    last = "the last batch is smaller but still a step: round the steps per epoch up."
    return [
        Case((1600, 16, 10, 0.06), (1000, 60), hint="steps per epoch x epochs; warm-up: a share of them."),
        Case((8551, 32, 2, 0.06), (536, 33), hint=last + " The warm-up rounds up too (32.16 -> 33)."),
        Case((8551, 64, 2, 0.06), (268, 17), hint=last),
        Case((7695, 64, 1, 0.1), (121, 13), hint="12.1 warm-up steps round up to 13, as the Trainer does."),
        Case((100, 32, 2.5, 0.0), (10, 0), hint="2.5 epochs of 4 steps are 10 steps; no warm-up is 0 steps."),
        Case((1600, 64, 0.3, 0.1), (8, 1), hint="0.3 epochs of 25 steps: 7.5, rounded up."),
    ]


exercise(
    "optimizer_steps",
    optimizer_steps,
    _steps_count_cases,
    right="the steps and warm-up steps the Trainer will take, fractions of epochs included.",
)




def steps_for(sentences: int, profile: str, batch_size: int | None = None) -> dict[str, int]:
    """Optimizer steps per epoch, in all and of warm-up for a profile's recipe, as the Trainer counts them."""
    recipe = {**dataclasses.asdict(resolve(profile)), **({"batch_size": batch_size} if batch_size else {})}
    per_epoch = math.ceil(sentences / recipe["batch_size"])
    total = math.ceil(recipe["epochs"] * per_epoch)
    return {"per_epoch": per_epoch, "total": total, "warmup": math.ceil(total * recipe["warmup_steps"])}


def _batch_64_answer() -> str:
    """The model answer, with every number computed from the profiles and the data sizes."""
    embedded = sum(1 for _ in (shipped("acceptability") / "train.tsv").open())
    smoke_sentences = embedded - selection_size(embedded)  # the rest chooses the checkpoint
    cola_sentences = COLA_TRAIN_SENTENCES - selection_size(COLA_TRAIN_SENTENCES)
    smoke, smoke_64 = steps_for(smoke_sentences, "smoke"), steps_for(smoke_sentences, "smoke", 64)
    full, full_64 = steps_for(cola_sentences, "full"), steps_for(cola_sentences, "full", 64)
    smoke_recipe, full_recipe, quick = resolve("smoke"), resolve("full"), resolve("quick")
    return f"""
    Smoke profile: {smoke_sentences:,} training sentences (the embedded set's {embedded:,} less the
    selection split's {selection_size(embedded)}) / 64 = {smoke_64["per_epoch"]} steps per epoch (rounded up),
    x {smoke_recipe.epochs:g} epochs = {smoke_64["total"]:,} optimizer steps instead of {smoke["total"]:,}
    (batch {smoke_recipe.batch_size}), and warm-up is {smoke_recipe.warmup_steps:.0%} of them rounded up:
    {smoke_64["warmup"]} steps instead of {smoke["warmup"]}. The evaluation batch stays 64 (the recipe uses
    max(64, BATCH_SIZE)). In the full profile ({cola_sentences:,} of CoLA's {COLA_TRAIN_SENTENCES:,}
    training sentences, {full_recipe.epochs:g} epochs): {full_64["per_epoch"]} steps per epoch,
    {full_64["total"]} in all, {full_64["warmup"]} of warm-up (with its batch of {full_recipe.batch_size}:
    {full["per_epoch"]} steps per epoch, {full["total"]} in all and {full["warmup"]} of warm-up).
    For learning: each step averages the gradient over more sentences, so it is less noisy, but the model
    gets fewer updates at the same learning rate and can learn less in the same epochs; larger batches are
    normally paired with a larger learning rate (the quick profile pairs batch {quick.batch_size} with
    {rate(quick.learning_rate)}, tuned with a pretrained 135M decoder). Notebook 05's learning curves show the
    effect (predict it before you run that notebook too).
    """


question("batch_64_steps", _batch_64_answer)  # computed when read: the profiles of now

question(
    "best_by_mcc",
    """
    Without `metric_for_best_model`, `load_best_model_at_end=True` reloads the checkpoint with the lowest
    evaluation *loss* (here on the selection split). Loss measures how confident the model is on every
    sentence; MCC counts right and wrong decisions, balanced over both classes. A model can keep getting
    more decisions right while it grows over-confident on the few it gets wrong: its loss then rises while
    its MCC still improves, and the lowest-loss checkpoint is not the one with the best CoLA score. CoLA
    is judged by MCC, so the recipe picks by MCC (with `greater_is_better=True`: higher is better, unlike
    a loss). Picking the best also needs a checkpoint at every evaluation: that is why `save_strategy`
    matches `eval_strategy`, and why `TrainingArguments` refuses `load_best_model_at_end` when they differ.
    """,
)
