"""Profiles and settings."""

from __future__ import annotations

import pytest

from workshop_lib.config import resolve


def test_profile_from_environment_and_overrides(monkeypatch):
    monkeypatch.setenv("WORKSHOP_PROFILE", "quick")
    settings = resolve(None, epochs=2, model_name=None, train_limit=0)
    assert settings.profile == "quick" and settings.epochs == 2
    assert settings.model_name == "openai-community/gpt2"  # None keeps the profile's value
    assert settings.train_limit is None  # 0 means "all"


def test_full_is_the_default(monkeypatch):
    monkeypatch.delenv("WORKSHOP_PROFILE", raising=False)
    settings = resolve()
    assert (settings.profile, settings.epochs, settings.data_source) == ("full", 3, "hub")


def test_unknown_profile_and_setting():
    with pytest.raises(ValueError, match="choose one of smoke, quick, full"):
        resolve("huge")
    with pytest.raises(TypeError, match="Unknown setting"):
        resolve("smoke", epoch=3)
