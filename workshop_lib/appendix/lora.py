"""LoRA for the appendix: the layer written by hand, the same adapters through peft, and their sizes."""

from __future__ import annotations

import warnings

import torch
from torch import nn
from transformers.pytorch_utils import Conv1D

RANK, ALPHA = 8, 16  # peft's examples' rank; alpha = 2 x rank, so the update's scale is 2


def target_names(model: nn.Module) -> list[str]:
    """peft's default attention projections for this model type (GPT-2's c_attn; Llama's q_proj, v_proj)."""
    from peft.utils.constants import TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING as TARGETS

    return list(TARGETS[model.config.model_type])


def in_out(layer: nn.Module) -> tuple[int, int]:
    """Input and output width: nn.Linear keeps its weight as (out, in), GPT-2's Conv1D as (in, out)."""
    if isinstance(layer, Conv1D):
        return layer.weight.shape[0], layer.weight.shape[1]
    return layer.in_features, layer.out_features


class LoRALinear(nn.Module):
    """A frozen projection plus a trained low-rank update: base(x) + (x A^T B^T) * alpha / r."""

    def __init__(self, base: nn.Module, rank: int = RANK, alpha: int = ALPHA):
        super().__init__()
        self.base, self.scale = base.requires_grad_(False), alpha / rank
        fan_in, fan_out = in_out(base)
        self.A = nn.Parameter(torch.empty(rank, fan_in))
        nn.init.kaiming_uniform_(self.A, a=5**0.5)  # as peft starts lora_A
        self.B = nn.Parameter(torch.zeros(fan_out, rank))  # zero: the wrapped model starts as the base

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The base layer's output plus the scaled low-rank update."""
        return self.base(x) + (x @ self.A.T @ self.B.T) * self.scale


def freeze_all_but(model: nn.Module, trained: tuple[str, ...]) -> nn.Module:
    """Freeze every weight except those whose name ends with one of `trained`, and the classification head."""
    for name, param in model.named_parameters():
        param.requires_grad_(name.endswith(trained) or name.startswith("score."))
    return model


def add_lora_by_hand(model: nn.Module, rank: int = RANK, alpha: int = ALPHA) -> nn.Module:
    """Wrap each of peft's default target projections in a LoRALinear; train only those and the head."""
    targets = target_names(model)
    for module in list(model.modules()):
        for child_name, child in list(module.named_children()):
            if child_name in targets and not isinstance(module, LoRALinear):
                setattr(module, child_name, LoRALinear(child, rank, alpha))
    return freeze_all_but(model, (".A", ".B"))


def lora_config(model: nn.Module, rank: int = RANK, alpha: int = ALPHA):
    """peft's LoraConfig for the default targets; fan_in_fan_out tells it a Conv1D's weight is (in, out)."""
    from peft import LoraConfig

    targets = target_names(model)
    conv = any(isinstance(m, Conv1D) for n, m in model.named_modules() if n.split(".")[-1] in targets)
    return LoraConfig(
        r=rank, lora_alpha=alpha, target_modules=targets, fan_in_fan_out=conv, task_type="SEQ_CLS"
    )


def add_lora_with_peft(model: nn.Module, rank: int = RANK, alpha: int = ALPHA) -> nn.Module:
    """The same adapters through peft, in place (the model keeps its class); train them and the head."""
    from peft import inject_adapter_in_model

    inject_adapter_in_model(lora_config(model, rank, alpha), model)
    return freeze_all_but(model, (".lora_A.default.weight", ".lora_B.default.weight"))


def peft_model(model: nn.Module, rank: int = RANK, alpha: int = ALPHA):
    """The lesson's way: get_peft_model wraps the model; SEQ_CLS keeps the new head trainable."""
    from peft import get_peft_model

    with warnings.catch_warnings():  # peft reads transformers' deprecated alias; nothing for a learner to do
        warnings.filterwarnings("ignore", "`is_gradient_checkpointing` is deprecated", FutureWarning)
        return get_peft_model(model, lora_config(model, rank, alpha))


def trained_parameters(model: nn.Module) -> int:
    """How many numbers the optimizer updates."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def trained_bytes(model: nn.Module) -> int:
    """Bytes of the trained tensors: what must be saved besides the unchanged base model."""
    return sum(p.numel() * p.element_size() for p in model.parameters() if p.requires_grad)

