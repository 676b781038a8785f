"""Build the course website (Jupyter Book 1.x): the lessons and appendices as the reference notebooks show
them (an appendix without one as it is), and docs/.

    python -m workshop_lib.dev.site              build into build/site/ (open build/site/index.html)
    WORKSHOP_HUB=https://hub.example.org ...     with nbgitpuller links to that JupyterHub

Nothing is executed and nothing is downloaded: the reference notebooks were executed with the stand-in
(benchmarks/reference_outputs.py). docs/maintaining.md, "The course website", describes it.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from workshop_lib.dev import launch

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "build" / "site-source"
OUT = ROOT / "build" / "site"
LESSONS = "notebooks/reference/0[1-6]_*.ipynb"
APPENDIX = "notebooks/appendix_*.ipynb"  # shown as run in notebooks/reference/ where executed there
REFERENCE = ROOT / "notebooks" / "reference"
DOCS = ("teaching", "classroom", "maintaining", "performance")
OUTPUTS = (  # one line: which model made a lesson page's outputs, and why not GPT-2
    "Outputs below: the stand-in SmolLM2-135M-Instruct on the quick profile, **not GPT-2** (the Hugging Face "
    "hub was out of reach where they were made)."
)


def launch_cell(notebook: str, hub: str | None) -> nbformat.NotebookNode:
    """The Markdown line above a lesson: which model made its outputs, and where to run the notebook."""
    return nbformat.v4.new_markdown_cell(f"{OUTPUTS}\n\nRun this notebook: {launch.html(notebook, hub)}")


def copy_notebook(path: Path, target: Path, hub: str | None, learner: str) -> None:
    """`path` into the book with its launch links first; learner: the notebook the links open."""
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(0, launch_cell(learner, hub))
    nbformat.write(nb, target)


def home(lessons: list[tuple[str, str, str]], hub: str | None) -> str:
    """The home page: what the course is, the lessons with their launch links, the documents."""
    rows = "\n".join(
        f"| [{name}](lessons/{stem}) | {launch.html(nb, hub)} |" for stem, name, nb in lessons
    )
    return (
        "# Fine-tuning GPT-2 for linguistic acceptability\n\n"
        "A hands-on workshop: fine-tune GPT-2 to judge whether an English sentence is acceptable, on CoLA, "
        "with `transformers`, `datasets` and PyTorch. Each lesson below shows a notebook executed end to end "
        "with a stand-in model of GPT-2 small's size (SmolLM2-135M-Instruct, **not GPT-2**), so you can read "
        "it without installing anything, and opens it in Colab, Binder or your JupyterHub to run it.\n\n"
        "| lesson | run it |\n|---|---|\n"
        + rows
        + "\n\nFor teachers: [teaching](docs/teaching), [preparing a classroom](docs/classroom); "
        "[performance](docs/performance); for maintainers: [maintaining](docs/maintaining).\n"
    )


def title(path: Path) -> str:
    """A notebook's title: its first Markdown heading, without the '#'."""
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "markdown" and c.source.startswith("# "))
    return cell.source.splitlines()[0][2:].strip()


def config() -> str:
    """The book's _config.yml: nothing executed, the repository button from launch.py."""
    return "\n".join(
        [
            "title: GPT-2 on CoLA, a workshop",
            "author: the gpt2-cola-workshop authors",
            "only_build_toc_files: true",
            "execute:",
            "  execute_notebooks: 'off'",
            "repository:",
            f"  url: {launch.repository()}",
            f"  branch: {launch.ref()}",
            "html:",
            "  use_repository_button: true",
            "  use_download_button: false",
            "launch_buttons:",
            "  notebook_interface: jupyterlab",
            "sphinx:",
            "  config:",
            "    html_show_copyright: false",
            "    suppress_warnings: ['mystnb.unknown_mime_type', 'misc.highlighting_failure']",
            "",
        ]
    )


def toc(lessons: list[tuple[str, str, str]], appendix: list[str]) -> str:
    """The book's _toc.yml: the home page, the lessons, the appendix, the documents."""
    lines = ["format: jb-book", "root: index", "parts:", "- caption: Lessons", "  chapters:"]
    lines += [f"  - file: lessons/{stem}" for stem, _, _ in lessons]
    if appendix:
        lines += ["- caption: Appendix", "  chapters:"] + [f"  - file: lessons/{stem}" for stem in appendix]
    lines += ["- caption: For teachers and maintainers", "  chapters:"]
    lines += [f"  - file: docs/{name}" for name in DOCS]
    return "\n".join(lines) + "\n"


def assemble(hub: str | None) -> None:
    """Write the book's sources into SOURCE."""
    shutil.rmtree(SOURCE, ignore_errors=True)
    (SOURCE / "lessons").mkdir(parents=True)
    (SOURCE / "docs").mkdir()
    lessons = []
    for path in sorted(ROOT.glob(LESSONS)):
        learner = f"notebooks/{path.name}"
        copy_notebook(path, SOURCE / "lessons" / path.name, hub, learner)
        lessons.append((path.stem, title(path), learner))
    appendix = []
    for path in sorted(ROOT.glob(APPENDIX)):
        shown = REFERENCE / path.name if (REFERENCE / path.name).is_file() else path  # executed, where it is
        copy_notebook(shown, SOURCE / "lessons" / path.name, hub, f"notebooks/{path.name}")
        appendix.append(path.stem)
    for name in DOCS:
        shutil.copy(ROOT / "docs" / f"{name}.md", SOURCE / "docs" / f"{name}.md")
    (SOURCE / "index.md").write_text(home(lessons, hub))
    (SOURCE / "_config.yml").write_text(config())
    (SOURCE / "_toc.yml").write_text(toc(lessons, appendix))


def build(hub: str | None = None, out: Path = OUT) -> Path:
    """Assemble and build the website into `out`; its index.html."""
    assemble(hub)
    shutil.rmtree(out, ignore_errors=True)
    program = "from jupyter_book.cli.main import main; main()"  # the jupyter-book command, in this Python
    command = [sys.executable, "-c", program, "build", str(SOURCE), "--path-output", str(out)]
    subprocess.run(command + ["--keep-going", "--quiet"], check=True)
    return out / "_build" / "html" / "index.html"


def main(argv: list[str] | None = None) -> int:
    """Build the site and say where it is."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hub", help=f"a JupyterHub's address for nbgitpuller links (or ${launch.HUB_ENV})")
    args = parser.parse_args(argv)
    try:
        index = build(args.hub)
    except subprocess.CalledProcessError as error:
        print(f"the website did not build (exit status {error.returncode}); see the messages above")
        return 1
    print(f"built: {index}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
