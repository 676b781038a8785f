"""Device and precision choice: mixed precision where the GPU or CPU computes it natively, else fp32."""

from __future__ import annotations

import pytest
import torch

from workshop_lib import device
from workshop_lib.device import (
    cpu_bf16_gain,
    cpu_has_native_bf16,
    describe,
    pick_device,
    pick_precision,
    training_attention,
)
from workshop_lib.settings import PROFILES


def test_fp32_on_mps():
    assert pick_precision("mps") == "fp32"
    for precision in ("bf16", "fp16"):
        with pytest.raises(ValueError, match="needs a CUDA GPU"):
            pick_precision("mps", precision)


@pytest.fixture
def bf16_faster(monkeypatch):
    """A CPU whose bf16 matmul is twice as fast as its fp32 one (as measured on an AMD EPYC)."""
    monkeypatch.setattr(device, "cpu_bf16_gain", lambda: 2.0)


@pytest.mark.parametrize(("native", "expected"), [(True, "bf16"), (False, "fp32")])
def test_cpu_uses_bf16_only_where_native(monkeypatch, bf16_faster, native, expected):
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: native)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: False)
    assert cpu_has_native_bf16() is native
    assert pick_precision("cpu") == expected
    assert pick_precision("cpu", "fp32") == "fp32"  # an explicit choice wins
    with pytest.raises(ValueError, match="needs a CUDA GPU"):
        pick_precision("cpu", "fp16")
    if native:
        assert pick_precision("cpu", "bf16") == "bf16"
    else:
        with pytest.raises(ValueError, match="CPU with native bf16 .* without it. Use precision 'fp32'"):
            pick_precision("cpu", "bf16")


def test_amx_counts_as_native_bf16(monkeypatch, bf16_faster):
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: True)
    assert pick_precision("cpu") == "bf16"


@pytest.mark.parametrize(("gain", "expected"), [(0.6, "fp32"), (1.1, "fp32"), (2.1, "bf16")])
def test_auto_keeps_fp32_where_native_bf16_is_not_faster(monkeypatch, gain, expected):
    """Native bf16 can multiply slower than fp32 (0.6x on an Intel Xeon here): auto measures, not assumes."""
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: True)
    monkeypatch.setattr(device, "cpu_bf16_gain", lambda: gain)
    assert pick_precision("cpu") == expected
    assert pick_precision("cpu", "bf16") == "bf16"  # an explicit choice still wins


def test_bf16_gain_is_measured_once():
    """The test times real matrix products: a positive ratio, cached for the process."""
    gain = cpu_bf16_gain()
    assert 0 < gain < 100  # emulated bf16 (an AVX2-only CPU) multiplied 130 times slower: a ratio below 0.01
    assert cpu_bf16_gain() is gain


def test_smoke_profile_is_fp32_on_every_cpu(monkeypatch):
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: True)
    assert pick_precision("cpu", PROFILES["smoke"]["precision"]) == "fp32"


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


@pytest.mark.parametrize(("native", "auto"), [(True, "bf16"), (False, "fp32")])
@pytest.mark.usefixtures("bf16_faster")
def test_describe_names_the_cpu_its_threads_and_the_precision_a_run_gets(monkeypatch, native, auto):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    monkeypatch.setattr(torch, "get_num_threads", lambda: 7)
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: native)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: False)
    assert describe() == f"cpu (7 threads), precision {auto}"
    assert describe("fp32") == "cpu (7 threads), precision fp32"  # the run's own setting, e.g. smoke's
    with pytest.raises(ValueError, match="needs a CUDA GPU"):
        describe("fp16")  # a precision the run could not use is refused, not described


def test_describe_names_the_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda index=None: "NVIDIA L4")
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda including_emulation=True: False)
    assert describe() == "cuda (NVIDIA L4), precision fp16"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert describe() == "mps (Apple GPU), precision fp32"


@pytest.mark.parametrize(("name", "expected"), [("cpu", "eager"), ("cuda", "sdpa"), ("mps", "sdpa")])
def test_training_attention_is_plain_only_on_a_cpu(name, expected):
    assert training_attention(name) == expected
