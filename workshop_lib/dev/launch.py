"""Where the course is published, and the three links that open one of its notebooks: one place for all.

    python -m workshop_lib.dev.launch --hub https://hub.example.org   each notebook's links, as Markdown
"""

from __future__ import annotations

import argparse
import os
from html import escape
from importlib.metadata import version
from urllib.parse import quote, urlencode

from workshop_lib.paths import notebook_sources

# The repository the site, the README and the Colab cell point to; WORKSHOP_REPOSITORY overrides it.
REPOSITORY = "https://github.com/gpt2-cola-workshop/gpt2-cola-workshop"
HUB_ENV = "WORKSHOP_HUB"  # the teacher's JupyterHub address (https://hub.example.org): nbgitpuller links
BINDER = "https://mybinder.org"


def repository() -> str:
    """The repository's https address, without a trailing slash."""
    return os.environ.get("WORKSHOP_REPOSITORY", REPOSITORY).rstrip("/")


def ref() -> str:
    """The version a page's links and its Colab cell install: the release tag v<version>, or $WORKSHOP_REF."""
    return os.environ.get("WORKSHOP_REF") or f"v{version('gpt2-cola-workshop')}"


def github_path(repo: str) -> str:
    """owner/name of a GitHub address."""
    host, _, path = repo.partition("://")[2].partition("/")
    if host != "github.com" or path.count("/") != 1:
        raise ValueError(f"Colab and Binder links need a github.com/<owner>/<name> address, not {repo!r}")
    return path


def site(page: str = "", repo: str | None = None) -> str:
    """The course website (the repository's GitHub Pages), or one of its pages: lessons/01_goal.html."""
    owner, name = github_path(repo or repository()).split("/")
    return f"https://{owner}.github.io/{name}/{page}"


def colab(notebook: str, repo: str | None = None) -> str:
    """Open `notebook` (a path in the repository, such as notebooks/01_goal.ipynb) in Google Colab."""
    path = github_path(repo or repository())
    return f"https://colab.research.google.com/github/{path}/blob/{ref()}/{notebook}"


def binder(notebook: str, repo: str | None = None) -> str:
    """Open `notebook` in JupyterLab on mybinder.org, built from the repository's binder/ folder."""
    path = github_path(repo or repository())
    return f"{BINDER}/v2/gh/{path}/{ref()}?urlpath={quote('lab/tree/' + notebook, safe='')}"


def nbgitpuller(notebook: str, hub: str, repo: str | None = None) -> str:
    """Open `notebook` on the JupyterHub at `hub`, pulling the repository into the learner's home first."""
    repo = repo or repository()
    query = urlencode(
        {"repo": repo, "branch": ref(), "urlpath": f"lab/tree/{repo.rsplit('/', 1)[-1]}/{notebook}"}
    )
    return f"{hub.rstrip('/')}/hub/user-redirect/git-pull?{query}"


def links(notebook: str, hub: str | None = None, repo: str | None = None) -> dict[str, str]:
    """The launch links of one notebook, by label; the JupyterHub one needs `hub` or $WORKSHOP_HUB."""
    found = {"Colab": colab(notebook, repo), "Binder": binder(notebook, repo)}
    hub = hub or os.environ.get(HUB_ENV)
    if hub:
        found["your JupyterHub"] = nbgitpuller(notebook, hub, repo)
    return found


def markdown(notebook: str, hub: str | None = None, repo: str | None = None) -> str:
    """The launch links as one Markdown line: [Colab](...) · [Binder](...) · [your JupyterHub](...)."""
    found = links(notebook, hub, repo)
    line = " · ".join(f"[{label}]({url})" for label, url in found.items())
    return line if "your JupyterHub" in found else f"{line} · your JupyterHub: set ${HUB_ENV}"


def html(notebook: str, hub: str | None = None, repo: str | None = None) -> str:
    """The launch links as HTML anchors, for pages whose Markdown would escape a link's '&' twice."""
    found = links(notebook, hub, repo)
    line = " · ".join(f'<a href="{escape(url)}">{label}</a>' for label, url in found.items())
    return line if "your JupyterHub" in found else f"{line} · your JupyterHub: set ${HUB_ENV}"


def install_arguments(repo: str | None = None) -> list[str]:
    """The Colab cell's `pip` arguments: this version, with the tested versions (constraints.txt)."""
    repo = repo or repository()
    raw = f"https://raw.githubusercontent.com/{github_path(repo)}/{ref()}/constraints.txt"
    return ["install", "--quiet", "-c", raw, f"gpt2-cola-workshop @ git+{repo}.git@{ref()}"]


def main(argv: list[str] | None = None) -> int:
    """Print every learner notebook's launch links, for a teacher's hub, as Markdown lines."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hub", help=f"the JupyterHub's address (or ${HUB_ENV})")
    args = parser.parse_args(argv)
    for path in notebook_sources():
        print(f"- {path.stem}: {markdown(f'notebooks/{path.name}', args.hub)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
