"""The course website: built offline by workshop_lib.dev.site, then read in headless Chromium.

Every chapter page loads with its images, no internal link is broken, the search finds a word of notebook
05, and each lesson page carries its Colab, Binder and JupyterHub links. Needs Jupyter Book 1.x (the `[test]`
extra), Chromium and chromedriver (`.ci/run` installs them); skipped with that advice otherwise.
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from test_browser import _wait, chromium

from workshop_lib.dev import launch, site

HUB = "https://hub.example.org"
SEARCHED = "resume_from_checkpoint"  # a word of notebook 05 (its resume cell)
LESSONS = [f"lessons/{path.stem}.html" for path in sorted(site.ROOT.glob(site.LESSONS))]

pytestmark = [pytest.mark.extended, pytest.mark.browser]


@pytest.fixture(scope="module")
def html(tmp_path_factory) -> Path:
    """The website, built once into a temporary folder with a sample hub's links."""
    pytest.importorskip("jupyter_book", reason="site test: `pip install 'jupyter-book<2'` (the [test] extra)")
    index = site.build(HUB, tmp_path_factory.mktemp("site"))
    return index.parent


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files without logging every request."""

    def log_message(self, *args) -> None:
        """Log nothing."""


@pytest.fixture(scope="module")
def served(html) -> Iterator[str]:
    """The website served on a free localhost port: its address."""
    handler = functools.partial(QuietHandler, directory=str(html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()


@pytest.fixture(scope="module")
def page(served, tmp_path_factory) -> Iterator:
    """Headless Chromium for the site, with an empty profile."""
    with chromium(tmp_path_factory.mktemp("chromium")) as driver:
        yield driver


def _open(driver, url: str) -> None:
    """Load `url` and wait until the page and its images are complete."""
    driver.get(url)
    _wait(lambda: driver.execute_script("return document.readyState") == "complete", 30, f"{url} loads")


def test_every_chapter_page_loads_with_its_images_and_launch_links(page, served):
    assert len(LESSONS) == 6
    for lesson in ["index.html", *LESSONS, "lessons/appendix_under_the_hood.html"]:
        _open(page, served + lesson)
        assert page.title and "404" not in page.title, lesson
        images = page.execute_script("return Array.from(document.images).map(i => [i.src, i.naturalWidth])")
        assert all(width > 0 for _, width in images), f"{lesson}: images not loaded: {images}"
        if lesson.startswith("lessons/0"):
            notebook = f"notebooks/{Path(lesson).stem}.ipynb"
            hrefs = page.execute_script("return Array.from(document.links).map(a => a.href)")
            for url in launch.links(notebook, HUB).values():
                assert url in hrefs, f"{lesson}: no launch link {url}"
            assert "not GPT-2" in page.find_element("tag name", "body").text, lesson
    _open(page, served + "lessons/05_training.html")  # the lessons show their outputs: plots included
    assert page.execute_script("return document.images.length") > 0


def test_no_internal_link_is_broken(html, served):
    pages = sorted(html.rglob("*.html"))
    broken = []
    for path in pages:
        base = served + str(path.relative_to(html))
        for href in re.findall(r'href="([^"#]+)(?:#[^"]*)?"', path.read_text()):
            if "{{" in href:  # a template of the theme's own scripts, not a link
                continue
            url = urljoin(base, href)
            if urlsplit(url).netloc != urlsplit(served).netloc:
                continue
            try:
                urllib.request.urlopen(url, timeout=10).close()
            except (OSError, ValueError) as error:
                broken.append(f"{path.relative_to(html)} -> {href} ({error})")
    assert not broken, "\n".join(sorted(set(broken)))


def test_the_search_finds_a_word_of_notebook_05(page, served):
    _open(page, served + f"search.html?q={SEARCHED}")

    def results():
        return page.execute_script(
            "return Array.from(document.querySelectorAll('#search-results a')).map(a => a.href)"
        )

    found = _wait(lambda: [href for href in results() if "05_training" in href], 60, "search results")
    assert found
