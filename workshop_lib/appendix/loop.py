"""The appendix's training loop without the Trainer: the answer key its notebook and parity test share."""

from __future__ import annotations

import math

import numpy as np
import torch
from torch.utils.data import DataLoader
from transformers import DataCollatorWithPadding, TrainerCallback, get_scheduler, set_seed
from transformers.trainer_pt_utils import LengthGroupedSampler, get_parameter_names

from ..device import pick_device, pick_precision, training_attention
from ..metrics import classification_metrics
from ..modeling import base_model, freeze_lower_blocks, load_model, load_tokenizer
from ..preprocess import tokenized_data
from ..settings import Settings

COLUMNS = ["input_ids", "attention_mask", "label"]  # what forward takes; the Trainer drops the rest
NO_DECAY = [r"bias", r"layernorm", r"rmsnorm", r"(?:^|\.)norm(?:$|\.)", r"_norm(?:$|\.)"]  # as the Trainer's
MAX_GRAD_NORM = 1.0  # the Trainer's default clipping


def parameter_groups(model: torch.nn.Module, weight_decay: float) -> list[dict]:
    """AdamW's two groups as the Trainer makes them: no decay for biases and norm weights."""
    decay = set(get_parameter_names(model, [torch.nn.LayerNorm], NO_DECAY))
    trained = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    return [
        {"params": [p for n, p in trained if n in decay], "weight_decay": weight_decay},
        {"params": [p for n, p in trained if n not in decay], "weight_decay": 0.0},
    ]


def warmup_steps(warmup: float, total: int) -> int:
    """A warm-up of 1 or more is a step count; below 1, a share of all steps, rounded up."""
    return int(warmup) if warmup >= 1 else math.ceil(total * warmup)


def evaluate(model, loader: DataLoader, autocast) -> dict[str, float]:
    """Loss (mean per sentence) and metrics of `model` over every batch of `loader`."""
    model.eval()
    losses, logits, labels = [], [], []
    with torch.no_grad(), autocast():
        for batch in loader:
            out = model(**batch.to(model.device))
            losses.append(out.loss.float().cpu().repeat(len(batch["labels"])))
            logits.append(out.logits.float().cpu())
            labels.append(batch["labels"].cpu())
    model.train()
    predictions = torch.cat(logits).argmax(-1).numpy()
    scores = classification_metrics(torch.cat(labels).numpy(), predictions)
    return {"loss": float(torch.cat(losses).mean()), **scores}


def train_loop(settings: Settings) -> dict:
    """Fine-tune as `training.train` does, in plain PyTorch; return per-step learning rates and losses,
    each evaluation on the selection split, and the kept model's validation metrics. It evaluates once an
    epoch, so it is compared with a Trainer that does too (`evaluations_per_epoch=1`)."""
    if settings.evaluations_per_epoch != 1:
        raise ValueError(
            f"train_loop evaluates once an epoch; these settings evaluate {settings.evaluations_per_epoch} "
            "times an epoch: compare with dataclasses.replace(settings, evaluations_per_epoch=1)"
        )
    device = pick_device()
    source = base_model(settings)
    tokenizer = load_tokenizer(source)
    data = tokenized_data(settings, tokenizer).select_columns(COLUMNS)
    set_seed(settings.seed)  # as build_trainer: the new head's first weights
    model = load_model(source, tokenizer).to(device)
    model.set_attn_implementation(training_attention(device))
    if settings.freeze_embeddings:
        model.get_input_embeddings().requires_grad_(False)
    freeze_lower_blocks(model, settings.freeze_blocks)
    set_seed(settings.seed)  # the Trainer seeds again when it is made: the data order starts from here
    collate = DataCollatorWithPadding(tokenizer)
    sampler = LengthGroupedSampler(settings.batch_size, dataset=data["train"], model_input_name="input_ids")
    train = DataLoader(data["train"], settings.batch_size, sampler=sampler, collate_fn=collate)

    def loader(split: str) -> DataLoader:
        return DataLoader(data[split], max(64, settings.batch_size), collate_fn=collate)

    bf16 = pick_precision(device, settings.precision) == "bf16"

    def autocast():
        return torch.autocast(device, dtype=torch.bfloat16, enabled=bf16)

    total = len(train) * settings.epochs
    groups = parameter_groups(model, settings.weight_decay)
    optimizer = torch.optim.AdamW(groups, lr=settings.learning_rate, fused=True)  # the Trainer's kernel
    schedule = get_scheduler("linear", optimizer, warmup_steps(settings.warmup_steps, total), total)
    history = {"learning_rates": [], "losses": [], "selection": []}
    best, best_state = -np.inf, None
    model.train()
    for _ in range(settings.epochs):
        for batch in train:
            with autocast():
                loss = model(**batch.to(device)).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), MAX_GRAD_NORM)
            history["learning_rates"].append(schedule.get_last_lr()[0])
            history["losses"].append(loss.item())
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
        scores = evaluate(model, loader("selection"), autocast)
        history["selection"].append(scores)
        if scores["mcc"] > best:  # a tie keeps the earlier epoch, as the Trainer does
            best, best_state = scores["mcc"], {k: v.clone() for k, v in model.state_dict().items()}
    model.load_state_dict(best_state)
    return {**history, "validation": evaluate(model, loader("validation"), autocast), "model": model}


class StepRecorder(TrainerCallback):
    """Record the Trainer's learning rate at each optimizer step and the loss of each training forward."""

    def __init__(self) -> None:
        self.learning_rates: list[float] = []
        self.losses: list[float] = []

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        def keep(module, inputs, output):
            if module.training:
                self.losses.append(output.loss.item())

        model.register_forward_hook(keep)

    def on_optimizer_step(self, args, state, control, optimizer=None, **kwargs):
        self.learning_rates.append(optimizer.param_groups[0]["lr"])
