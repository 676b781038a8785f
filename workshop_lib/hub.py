"""Fast, actionable failures for Hugging Face hub access (the libraries retry for 20-50 s offline)."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable
from contextlib import contextmanager
from typing import TypeVar
from urllib.parse import urlparse

T = TypeVar("T")

HUB_TIMEOUT_S = 3.0  # one TCP connect; the whole check stays far below the 10 s promise


class HubUnavailableError(RuntimeError):
    """The hub cannot be reached and the thing asked for is not cached."""


def hub_endpoint() -> str:
    """Return the hub URL in use (respects HF_ENDPOINT)."""
    return os.environ.get("HF_ENDPOINT", "https://huggingface.co")


def offline_mode() -> bool:
    """True when the user asked for offline mode with HF_HUB_OFFLINE=1."""
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def hub_reachable(timeout: float = HUB_TIMEOUT_S) -> bool:
    """Try one TCP connection to the hub; DNS runs in a thread so it cannot hang us."""
    url = urlparse(hub_endpoint())
    host, port = url.hostname or "huggingface.co", url.port or (443 if url.scheme == "https" else 80)
    result: list[bool] = []

    def probe() -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                result.append(True)
        except OSError:
            result.append(False)

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout + 1.0)
    return bool(result and result[0])


def unavailable_message(what: str, alternatives: str) -> str:
    """Build the message shown when `what` needs the hub and the hub is out of reach."""
    return (
        f"Cannot load {what}: the Hugging Face hub ({hub_endpoint()}) is not reachable and it is "
        f"not in the local cache.\nWhat you can do:\n{alternatives}\n"
        "  - prefetch while online: `python -m workshop_lib.cli prefetch`, then run with "
        "HF_HUB_OFFLINE=1\n"
        "  - check your setup: `python -m workshop_lib.cli doctor`"
    )


@contextmanager
def _libraries_offline():
    """Make huggingface_hub, transformers and datasets use only the local cache for a while."""
    import datasets.config
    import huggingface_hub.constants as hf_constants

    saved = (hf_constants.HF_HUB_OFFLINE, datasets.config.HF_HUB_OFFLINE, os.environ.get("HF_HUB_OFFLINE"))
    hf_constants.HF_HUB_OFFLINE = True
    datasets.config.HF_HUB_OFFLINE = True
    os.environ["HF_HUB_OFFLINE"] = "1"
    try:
        yield
    finally:
        hf_constants.HF_HUB_OFFLINE, datasets.config.HF_HUB_OFFLINE, env = saved
        if env is None:
            os.environ.pop("HF_HUB_OFFLINE", None)
        else:
            os.environ["HF_HUB_OFFLINE"] = env


def hub_load(load: Callable[[], T], what: str, alternatives: str) -> T:
    """Run a hub load; when the hub is unreachable use the cache only, or fail fast with advice."""
    if offline_mode() or not hub_reachable():
        try:
            with _libraries_offline():
                return load()
        except Exception as err:  # every library raises its own "not cached" type
            raise HubUnavailableError(unavailable_message(what, alternatives)) from err
    return load()
