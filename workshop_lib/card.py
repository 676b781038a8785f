"""The model card (README.md) saved with the fine-tuned model: metadata, recipe, results, limitations."""

from __future__ import annotations

from .data import SELECTION_SHARE
from .hub import is_local
from .records import markdown_table
from .settings import Settings, frozen_parts, is_tiny_model, times

COLA_TYPE, COLA_CONFIG = "nyu-mll/glue", "cola"
METRICS = {"mcc": ("matthews_correlation", "MCC"), "accuracy": ("accuracy", "Accuracy"), "f1": ("f1", "F1")}


def card_data(settings: Settings, metrics: dict):
    """The YAML metadata: base model, data set, metric names and a model-index entry with the results."""
    from huggingface_hub import EvalResult, ModelCardData

    cola = settings.data_source != "embedded"  # the hub's copy or a local folder of CoLA's files
    name = settings.model_name
    scored = [("validation", key, kind, title) for key, (kind, title) in METRICS.items()]
    chose = ("selection (held out of train: chose the checkpoint)", "selection_mcc", *METRICS["mcc"])
    results = [
        EvalResult(
            task_type="text-classification",
            task_name="Linguistic acceptability",
            dataset_type=COLA_TYPE if cola else "embedded",
            dataset_name="GLUE CoLA" if cola else "the workshop's embedded synthetic acceptability set",
            dataset_config=COLA_CONFIG if cola else None,
            dataset_split=split,
            metric_type=kind,
            metric_name=title,
            metric_value=metrics[key],
        )
        for split, key, kind, title in [*scored, chose]
    ]
    return ModelCardData(
        model_name=f"gpt2-cola-workshop-{settings.profile}",
        base_model=None if is_local(name) or is_tiny_model(name) else name,  # a hub id only
        datasets=[COLA_TYPE] if cola else None,
        metrics=[kind for kind, _ in METRICS.values()],
        language="en",
        library_name="transformers",
        pipeline_tag="text-classification",
        tags=["linguistic-acceptability", "cola", "gpt2-cola-workshop"],
        eval_results=results,
    )


def recipe(settings: Settings, max_length: int, precision: str) -> str:
    """The training recipe as a Markdown list."""

    def limit(n: int | None) -> str:
        return "all" if n is None else f"at most {n}"

    return "\n".join(
        [
            f"- epochs {settings.epochs:g}, batch size {settings.batch_size}, "
            f"peak learning rate {settings.learning_rate:g} (AdamW, linear decay after a warm-up over "
            f"{settings.warmup_steps:.0%} of the steps), weight decay {settings.weight_decay:g}"
            + (f"; {frozen_parts(settings)}" if frozen_parts(settings) else ""),
            f"- seed {settings.seed}; sentences up to {max_length} tokens, padded per batch, batches grouped "
            f"by length; precision {precision}",
            f"- training sentences: {limit(settings.train_limit)}; validation sentences: "
            f"{limit(settings.eval_limit)}",
            f"- evaluated {times(settings.evaluations_per_epoch)} an epoch on the selection split "
            f"({SELECTION_SHARE:.0%} of the training split, held out); the checkpoint with its best MCC is "
            "the one saved; validation scored once, at the end",
        ]
    )


def comparison(metrics: dict, zero_shot: dict | None) -> str:
    """Zero-shot baseline against the fine-tuned model, as a Markdown table or a sentence."""
    rows = [["fine-tuned (this model)", f"{metrics['mcc']:.3f}"]]
    if not zero_shot or "mcc" not in zero_shot:
        return (
            "No zero-shot baseline was recorded for this run (notebook 01 saves it to "
            "`metrics/zero_shot.json`).\n\n" + markdown_table(["model", "validation MCC"], rows)
        )
    zero = "zero-shot (the base language model's likelihood, threshold chosen on train)"
    return markdown_table(["model", "validation MCC"], [[zero, f"{zero_shot['mcc']:.3f}"], *rows])


def limitations(settings: Settings) -> str:
    """What the model cannot do, with a warning for smoke-profile models."""
    text = [
        "- English only, and only CoLA's kind of English: short sentences from linguistics books and "
        "articles, judged by linguists. Other text (chat, essays, other registers) is untested.",
        "- It judges grammatical acceptability, not truth, style, spelling or meaning, and it makes "
        "mistakes: the validation numbers above say how often.",
        "- The validation numbers did not choose anything (the selection split chose the checkpoint), so "
        "they estimate unseen sentences fairly; CoLA's test labels are not public.",
    ]
    if is_tiny_model(settings.model_name) or settings.data_source == "embedded":
        text.append(
            "- **This is a smoke-profile model**: a tiny randomly initialised model trained briefly on "
            "the workshop's small synthetic set, to test the pipeline. It knows nothing about real English; "
            "do not use it for real sentences."
        )
    return "\n".join(text)


def model_card(
    settings: Settings, metrics: dict, max_length: int, zero_shot: dict | None, precision: str
) -> str:
    """The card's full text: YAML metadata between --- lines, then the prose."""
    base = f"`{settings.model_name}`"
    if is_tiny_model(settings.model_name):
        base += " (a tiny random model the workshop builds itself)"
    data = {
        "hub": f"GLUE CoLA (`{COLA_TYPE}`, `{COLA_CONFIG}`)",
        "embedded": "The workshop's embedded synthetic set",
    }
    splits = ("train", "selection", "validation")
    sizes = ", ".join(f"{split} {metrics[f'{split}_sentences']}" for split in splits)
    return f"""---
{card_data(settings, metrics).to_yaml()}
---

# CoLA workshop model ({settings.profile} profile)

A sentence classifier that says whether an English sentence is grammatically **acceptable** (label 1) or
**unacceptable** (label 0). It is {base} with a sequence-classification head, fine-tuned in the
gpt2-cola-workshop (notebook 05).

Validation results: MCC {metrics["mcc"]:.3f}, accuracy {metrics["accuracy"]:.3f}, F1 {metrics["f1"]:.3f}
(F1 of the "acceptable" class; MCC is CoLA's official metric, 0 = chance, 1 = perfect). The checkpoint was
chosen on the selection split, a held-out share of the training sentences (MCC {metrics["selection_mcc"]:.3f}
there); the validation split was scored once, by the chosen model.

## Data

{data.get(settings.data_source, f"CoLA files from the folder `{settings.data_source}`")}; sentences used:
{sizes}.

## Training recipe

{recipe(settings, max_length, precision)}

## Zero-shot baseline vs fine-tuned

{comparison(metrics, zero_shot)}

## Limitations

{limitations(settings)}

## Intended use

Teaching and experiments: seeing what fine-tuning changes, trying sentences in notebook 06. Not for grading
people's writing or any decision about a person.

```python
from transformers import pipeline

judge = pipeline("text-classification", model="path/to/this/folder")
print(judge("The book was written by her."))
```
"""
