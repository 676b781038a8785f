"""Device and precision choice: mixed precision on CUDA only, native bf16 where the GPU has it."""

from __future__ import annotations

import pytest
import torch

from workshop_lib.device import describe, pick_device, pick_precision


@pytest.mark.parametrize("device", ["cpu", "mps"])
def test_fp32_off_cuda(device):
    assert pick_precision(device) == "fp32"
    with pytest.raises(ValueError, match="needs a CUDA GPU"):
        pick_precision(device, "bf16")


@pytest.mark.parametrize(("native_bf16", "expected"), [(True, "bf16"), (False, "fp16")])
def test_cuda_prefers_native_bf16(monkeypatch, native_bf16, expected):
    asked = {}

    def supported(including_emulation: bool = True) -> bool:
        asked["including_emulation"] = including_emulation
        return native_bf16

    monkeypatch.setattr(torch.cuda, "is_bf16_supported", supported)
    assert pick_precision("cuda") == expected
    assert asked == {"including_emulation": False}  # emulated bf16 (T4, V100) is slower than fp16
    assert pick_precision("cuda", "fp32") == "fp32"  # an explicit choice wins


def test_unknown_precision_is_refused():
    with pytest.raises(ValueError, match="precision must be one of"):
        pick_precision("cpu", "fp8")


@pytest.mark.parametrize(
    ("cuda", "mps", "expected"), [(True, True, "cuda"), (False, True, "mps"), (False, False, "cpu")]
)
def test_fastest_device_first(monkeypatch, cuda, mps, expected):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)
    assert pick_device() == expected


def test_describe_names_device_and_precision():
    if torch.cuda.is_available() or torch.backends.mps.is_available():
        pytest.skip("checks the CPU line")
    assert describe() == f"cpu ({torch.get_num_threads()} threads), precision fp32"
