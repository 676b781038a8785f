"""Every relative link in the repository's Markdown points at a file that exists."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
EXTERNAL = re.compile(r"^(https?:|mailto:|#)")


def markdown_files() -> list[Path]:
    """The Markdown files git tracks (or would: new ones not ignored)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "*.md"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )
    return [ROOT / name for name in listed.stdout.split() if (ROOT / name).is_file()]


def broken_links(path: Path, root: Path = ROOT) -> list[str]:
    """The relative links of one Markdown file whose target is missing (code is not searched)."""
    text = re.sub(r"```.*?```|`[^`\n]*`", "", path.read_text(), flags=re.S)
    found = []
    for target in LINK.findall(text):
        if EXTERNAL.match(target):
            continue
        if not (path.parent / target.split("#", 1)[0]).exists():
            found.append(f"{path.relative_to(root)}: {target}")
    return found


def test_every_relative_link_in_the_markdown_resolves():
    files = markdown_files()
    assert ROOT / "README.md" in files and ROOT / "docs" / "teaching.md" in files
    broken = [link for path in files for link in broken_links(path)]
    assert not broken, "\n".join(broken)


def test_a_broken_link_is_found(tmp_path):
    (tmp_path / "there.md").write_text("")
    page = tmp_path / "page.md"
    page.write_text("[ok](there.md#part) [web](https://example.org) [gone](missing.md) `[code](x.md)`")
    assert broken_links(page, tmp_path) == ["page.md: missing.md"]


def test_docs_holds_the_four_reader_documents_and_performance_stays_short():
    assert sorted(p.name for p in (ROOT / "docs").glob("*.md")) == [
        "classroom.md", "maintaining.md", "performance.md", "teaching.md"
    ]
    lines = len((ROOT / "docs" / "performance.md").read_text().splitlines())
    assert lines <= 200, f"docs/performance.md has {lines} lines (at most 200: move detail to git history)"
