"""Hugging Face hub access that fails within seconds, with advice (the libraries retry far longer offline).

Whether the hub answers is decided once per process by one HTTP request through huggingface_hub's client,
so HTTPS_PROXY, NO_PROXY, SSL_CERT_FILE and HF_ENDPOINT count exactly as they do for the downloads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

HUB_TIMEOUT_S = 4.0  # the one probe request; with imports the whole failure stays below the 10 s promise
PROBE_PATH = "/api/models/openai-community/gpt2"  # a small public JSON answer every hub and mirror gives
_reachable: dict[str, bool] = {}  # endpoint -> answer of this process's probe


def is_local(name_or_path: str | Path) -> bool:
    """The one rule "local folder or hub id?": True for a Path, an absolute or ./ ../ ~ path, a/b/c, or a
    name that exists here; False for a hub id ("name" or "org/name"), as `from_pretrained` decides."""
    text = str(name_or_path)
    return (
        isinstance(name_or_path, Path)
        or text.startswith(("/", "./", "../", "~", ".\\", "..\\"))
        or text in {".", ".."}
        or text.count("/") > 1  # a hub id is "name" or "org/name"
        or Path(text).expanduser().exists()
    )


class HubUnavailableError(RuntimeError):
    """The hub cannot be reached and the thing asked for is not cached."""


def hub_endpoint() -> str:
    """Return the hub URL the libraries use (HF_ENDPOINT, else https://huggingface.co)."""
    from huggingface_hub import constants

    return constants.ENDPOINT


def offline_mode() -> bool:
    """True when the user switched the hub libraries to their cache with HF_HUB_OFFLINE=1."""
    from huggingface_hub import is_offline_mode

    return is_offline_mode()


def _probe(url: str, timeout: float) -> bool:
    """One GET through huggingface_hub's session; only a JSON answer from the hub counts, not a portal."""
    from huggingface_hub import get_session

    result: list[bool] = []

    def ask() -> None:
        try:
            response = get_session().get(url, timeout=timeout)
            result.append(response.status_code == 200 and isinstance(response.json(), dict))
        except Exception:  # refused, unresolvable, timed out, TLS or proxy failure, garbage: all unreachable
            result.append(False)

    thread = threading.Thread(target=ask, daemon=True)  # name resolution ignores timeouts: bound it here
    thread.start()
    thread.join(timeout + 1.0)
    return bool(result and result[0])


def hub_reachable(timeout: float = HUB_TIMEOUT_S) -> bool:
    """Whether the hub answers over HTTP(S), asked at most once per process and endpoint."""
    endpoint = hub_endpoint()
    if endpoint not in _reachable:
        _reachable[endpoint] = _probe(endpoint.rstrip("/") + PROBE_PATH, timeout)
    return _reachable[endpoint]


def use_cache_only() -> None:
    """From now on in this process, hub libraries answer from the local cache, as under HF_HUB_OFFLINE=1."""
    from huggingface_hub import get_session, set_client_factory
    from huggingface_hub.errors import OfflineModeIsEnabled

    def refuse(request) -> None:
        raise OfflineModeIsEnabled(f"{request.url}: the hub was not reachable, so only the cache is used.")

    client_class = type(get_session())  # the HTTP client class this huggingface_hub version is built on
    set_client_factory(lambda: client_class(event_hooks={"request": [refuse]}))


def is_network_error(error: BaseException) -> bool:
    """True when an error (or one it came from) means: no connection, and not in the local cache."""
    from huggingface_hub.errors import LocalEntryNotFoundError

    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ConnectionError | TimeoutError | LocalEntryNotFoundError):
            return True
        if isinstance(seen, FileNotFoundError) and "is not cached" in str(seen):  # datasets' own wording
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def unavailable_message(what: str, alternatives: str) -> str:
    """Build the message shown when `what` needs the hub and the hub is out of reach."""
    return (
        f"Cannot load {what}: the Hugging Face hub ({hub_endpoint()}) is not reachable and it is "
        f"not in the local cache.\nWhat you can do:\n{alternatives}\n"
        "  - prefetch while online: `python -m workshop_lib.commands prefetch`, then run with "
        "HF_HUB_OFFLINE=1\n"
        "  - behind a proxy: set HTTPS_PROXY (and NO_PROXY) before starting Python or Jupyter\n"
        "  - check your setup: `python -m workshop_lib.commands doctor`"
    )


def hub_load(load: Callable[[], T], what: str, alternatives: str) -> T:
    """Run a hub load; without the hub use the cache only, and fail fast with advice when it is not there."""
    if offline_mode():
        pass  # the libraries already keep to the cache
    elif hub_reachable():
        return load()
    else:
        use_cache_only()
    try:
        return load()
    except Exception as err:
        if not is_network_error(err):  # e.g. a damaged cached file: the library's own message says which
            raise
        raise HubUnavailableError(unavailable_message(what, alternatives)) from err
