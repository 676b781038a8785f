"""`workshop init --update FOLDER`: hand out corrected notebooks without losing what a learner typed.

`workshop init` keeps a copy of what it handed out in `FOLDER/.workshop/handed-out/`. An update merges
each notebook cell by cell (cells are matched by their nbformat id) with that copy as the common ancestor:

- a cell the learner left alone takes the corrected version (outputs cleared); a cell the teacher left
  alone keeps the learner's version; new cells arrive where the new version puts them; cells the learner
  added stay;
- a cell both changed is a conflict: an exercise cell (tagged `exercise`) keeps the learner's version,
  any other cell takes the corrected one; either way it is reported;
- every notebook the update changes is first copied, as it was, into `FOLDER/backup-<time>/`, beside the
  new version as handed out, so nothing is lost.

A folder made before this copy existed has no ancestor: every cell that differs is then a conflict.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

from ..paths import HANDED_OUT, handout
from ..records import atomic_write_text


class LearnerFolderError(ValueError):
    """A folder given to `workshop init --update` holds none of the workshop's notebooks."""


def key(cell) -> tuple[str, str]:
    """What makes two versions of a cell the same: its kind and its source (outputs are the learner's)."""
    return cell.cell_type, cell.source


def label(cell) -> str:
    """A cell as a report names it: its id, its exercise, its first line."""
    name = cell.metadata.get("exercise")
    first = cell.source.strip().splitlines()[0][:60] if cell.source.strip() else "(empty)"
    return f"cell {cell.get('id')}" + (f" (exercise {name})" if name else "") + f" «{first}»"


def fresh(cell):
    """The corrected cell as handed out: no outputs yet."""
    import copy

    cell = copy.deepcopy(cell)
    if cell.cell_type == "code":
        cell.outputs, cell.execution_count = [], None
    return cell


def merge(base, mine, new) -> tuple[list, list[str]]:
    """Three-way merge of notebook cells by id; (merged cells, what happened, one line each)."""
    before = {c.get("id"): c for c in base.cells} if base is not None else {}
    theirs = {c.get("id"): c for c in new.cells}
    cells, notes = [], []
    for cell in mine.cells:
        cid, ancestor = cell.get("id"), before.get(cell.get("id"))
        if cid not in theirs:
            if ancestor is not None and key(ancestor) == key(cell):
                notes.append(f"removed {label(cell)}: the new version drops it and you had not changed it")
                continue
            if ancestor is not None:
                notes.append(f"kept {label(cell)}: you changed it; the new version drops it")
            cells.append(cell)
            continue
        corrected = theirs[cid]
        if key(corrected) == key(cell) or (ancestor is not None and key(ancestor) == key(corrected)):
            cells.append(cell)  # nothing to bring, or only the learner changed it
        elif ancestor is not None and key(ancestor) == key(cell):
            cells.append(fresh(corrected))
            notes.append(f"updated {label(corrected)}")
        elif "exercise" in cell.metadata.get("tags", []):
            cells.append(cell)
            notes.append(f"CONFLICT {label(cell)}: both changed; kept yours (the new one is in the backup)")
        else:
            cells.append(fresh(corrected))
            notes.append(f"CONFLICT {label(cell)}: both changed; took the new one (yours is in the backup)")
    present = {c.get("id") for c in mine.cells}
    for index, cell in enumerate(new.cells):
        cid = cell.get("id")
        if cid in present:
            continue
        if cid in before and key(before[cid]) == key(cell):
            continue  # the learner deleted it and the teacher did not change it
        earlier = {c.get("id") for c in new.cells[:index]}
        at = max((i + 1 for i, c in enumerate(cells) if c.get("id") in earlier), default=0)
        cells.insert(at, fresh(cell))
        notes.append(
            f"added {label(cell)}" + (" again: you had deleted it, and it changed" if cid in before else "")
        )
    return cells, notes


def update_folder(folder: Path, sources: dict[Path, Path] | None = None) -> list[str]:
    """Bring `sources` (default: the shipped notebooks) into a learner folder; one line per change."""
    import nbformat

    folder = Path(folder).expanduser()
    sources = sources or handout()
    if not folder.is_dir():
        raise FileNotFoundError(f"No learner folder {folder}")
    if not any((folder / name).is_file() for name in sources):
        raise LearnerFolderError(f"{folder} holds none of the workshop's notebooks (made by workshop init?)")
    backup = folder / f"backup-{datetime.now():%Y%m%d-%H%M%S}"
    while backup.exists():  # two updates within a second: never overwrite a backup
        backup = backup.with_name(backup.name + "+")
    report = []
    for name, source in sources.items():
        target, ancestor = folder / name, folder / HANDED_OUT / name
        if not target.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            report.append(f"{name}: new, copied")
        elif target.read_bytes() != source.read_bytes():
            mine, new = nbformat.read(target, as_version=4), nbformat.read(source, as_version=4)
            base = nbformat.read(ancestor, as_version=4) if ancestor.is_file() else None
            cells, notes = merge(base, mine, new)
            if notes:  # every change to the learner's notebook is one of these
                for kept, given in ((target, backup / name), (source, backup / "handed-out" / name)):
                    given.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(kept, given)
                mine.cells = cells
                atomic_write_text(target, nbformat.writes(mine))
                report += [f"{name}: {note}" for note in notes] + [f"{name}: yours before: {backup / name}"]
        ancestor.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, ancestor)
    return report
