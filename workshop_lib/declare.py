"""The declaration engine: settings as dataclass fields with help, what is allowed and a check.

Generic: `settings.py` declares the workshop's settings with it; errors name the setting, the value and
what is allowed, so that a notebook, `-p` and `--set` all answer a mistake the same way.
"""

from __future__ import annotations

import dataclasses
import math
import os
import types
import typing
from collections.abc import Callable
from dataclasses import field
from pathlib import Path
from typing import Any


class SettingError(ValueError):
    """An unknown setting, or a wrong type or value: the message names it, the value and what is allowed."""


def setting(
    help: str,
    allowed: str,
    default: Any = dataclasses.MISSING,
    check: Callable[[Any], bool] | None = None,
    path: bool | Callable[[str], bool] = False,
) -> Any:
    """Declare one setting: help for learners, what is allowed (for errors), a range check, path handling.

    path=True: a folder, made absolute against the current folder; a predicate: made absolute only when it
    says the text names a local folder (else, say, a hub id or a keyword, kept as written).
    """
    return field(default=default, metadata={"help": help, "allowed": allowed, "check": check, "path": path})


def parameter(name: str) -> str:
    """The notebooks' (and `-p`'s) spelling of a setting: learning_rate -> LEARNING_RATE."""
    return name.upper()


def _kind(hint: Any) -> tuple[type, bool]:
    """(declared type, whether None is allowed) of an annotation such as `int | None`."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        kinds = [a for a in typing.get_args(hint) if a is not type(None)]
        return kinds[0], True
    return hint, False


def coerce(value: Any, kind: type) -> Any:
    """Convert `value` to `kind` where that is unambiguous ("3" -> 3, 2.0 -> 2), else raise ValueError."""
    text = value.strip() if isinstance(value, str) else None
    if kind is bool:
        if isinstance(value, bool):
            return value
        if text is not None and text.lower() in ("true", "false"):
            return text.lower() == "true"
    elif kind is int and not isinstance(value, bool):
        if isinstance(value, int):
            return value
        number = value if isinstance(value, float) else None
        if text is not None:
            try:
                return int(text)
            except ValueError:
                try:
                    number = float(text)
                except ValueError:
                    pass
        if number is not None and number.is_integer():
            return int(number)
    elif kind is float and not isinstance(value, bool):  # an int is a float too (3 epochs stays 3)
        number = value if isinstance(value, int | float) else None
        for read in (int, float) if text is not None else ():
            try:
                number = read(text)
                break
            except ValueError:
                pass
        if number is not None and math.isfinite(number):
            return number
    elif kind is str:
        if isinstance(value, os.PathLike):
            return os.fspath(value)
        if text:
            return value
    raise ValueError(f"{value!r} is not a {kind.__name__}")


def as_path(text: str) -> str:
    """Make a path absolute against the current folder (and expand a leading ~)."""
    return os.path.normpath(Path.cwd() / os.path.expanduser(text))


def check_value(owner: type, name: str, value: Any) -> Any:
    """Coerce and check one declared setting; a SettingError names it, the value and what is allowed."""
    specs = {f.name: f for f in dataclasses.fields(owner)}
    if name not in specs:
        raise SettingError(f"Unknown setting {name!r}; known: {', '.join(specs)}.")
    spec = specs[name]
    kind, optional = _kind(typing.get_type_hints(owner)[name])
    if value is None and optional:
        return None
    meta = spec.metadata
    problem = SettingError(f"Setting {parameter(name)} ({name}) got {value!r}; allowed: {meta['allowed']}.")
    try:
        result = coerce(value, kind)
    except ValueError:
        raise problem from None
    if meta["check"] is not None and not meta["check"](result):
        raise problem
    if meta["path"] is True or (meta["path"] and meta["path"](result)):
        result = as_path(result)
    return result


class Declared:
    """Base of the declarations: coerce and check every field when an instance is made."""

    def __post_init__(self) -> None:
        for spec in dataclasses.fields(self):
            object.__setattr__(self, spec.name, check_value(type(self), spec.name, getattr(self, spec.name)))


def positive(x: float) -> bool:
    """Above 0."""
    return x > 0


def non_negative(x: float) -> bool:
    """0 or more."""
    return x >= 0


def share(x: float) -> bool:
    """From 0 up to, not including, 1."""
    return 0 <= x < 1
