"""Write artifacts atomically (never overwriting finished results silently) and read a run folder back."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .paths import METRICS


class ArtifactExistsError(FileExistsError):
    """A finished artifact is already there; the message says how to keep or replace it."""


def _umask() -> int:
    """The process's umask (reading it means setting it, so it is set straight back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_dir(target: str | Path, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary folder beside `target` and rename it into place only when the block succeeds."""
    target = Path(target)
    if target.exists() and not overwrite:
        raise ArtifactExistsError(
            f"{target} already exists. Choose another output folder, or delete it first "
            "if you really want to replace it."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    tmp.chmod(0o777 & ~_umask())  # mkdtemp makes it private; others on a shared machine may read it
    try:
        yield tmp
        if target.exists():
            old = target.with_name(f".{target.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write text to a temporary file, fsync it, then rename it over `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private; keep the usual permissions
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_json(path: str | Path, obj: Any) -> Path:
    """Write JSON atomically (sorted keys, so diffs stay small)."""
    return atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=True) + "\n")


def markdown_table(header: list[str], rows: list[list]) -> str:
    """A Markdown table: the header, then one line per row (cells as str() gives them)."""
    lines = [header, ["---"] * len(header), *rows]
    return "\n".join("| " + " | ".join(map(str, cells)) + " |" for cells in lines)


class RunFolderError(ValueError):
    """A folder is not a finished run, or one of its records is damaged; the message says what it lacks."""


def read_json(path: Path) -> dict:
    """Parse a JSON record, or raise a RunFolderError naming it."""
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise RunFolderError(f"{path} is not valid JSON ({err}); was the run interrupted?") from None


def read_metrics(folder: str | Path) -> dict[str, dict]:
    """The metrics each phase recorded in an output folder (<folder>/metrics/<phase>.json), by phase."""
    return {p.stem: read_json(p) for p in sorted((Path(folder) / METRICS).glob("*.json"))}


def load_run(folder: str | Path) -> dict:
    """Read a run: `{"settings": ..., "metrics": {phase: ...}}` from a run folder or an OUTPUT_DIR."""
    folder = Path(folder)
    if (folder / "metrics.json").is_file():  # a run folder made by `workshop run`
        recorded = read_json(folder / "metrics.json")
        settings = dict(recorded.get("settings") or {})
        settings.setdefault("profile", recorded.get("profile"))
        return {"settings": settings, "metrics": recorded.get("metrics", {})}
    if (folder / METRICS).is_dir():  # a notebooks' OUTPUT_DIR: one JSON per phase, settings.json
        settings_file = folder / "settings.json"
        settings = read_json(settings_file) if settings_file.is_file() else {}
        return {"settings": settings, "metrics": read_metrics(folder)}
    raise RunFolderError(
        f"{folder}: not a finished run (no metrics.json, no metrics/ folder). Give a folder made by "
        "`workshop run` (runs/<profile>-<time>) or a notebooks' OUTPUT_DIR."
    )


def load_log_history(model_dir: str | Path) -> list[dict]:
    """Read the Trainer's log (losses, learning rates, evaluations) saved beside a model."""
    return read_json(Path(model_dir) / "log_history.json")
