"""The hub check, as the libraries reach the hub: through HTTPS proxies, not fooled by portals, asked once."""

from __future__ import annotations

import http.server
import json
import os
import selectors
import shutil
import socket
import socketserver
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from workshop_lib.hub import PROBE_PATH

FAKE_HOST = "hub.invalid"  # .invalid never resolves: only the proxy knows where this hub is
PROBE = "from workshop_lib.hub import hub_reachable; print(json.dumps([hub_reachable() for _ in range(3)]))"


def python(code: str, hf_home: Path, **env: str) -> subprocess.CompletedProcess:
    """Run code in a fresh Python (one process = one probe) with only the given hub settings."""
    base = {"PATH": os.environ["PATH"], "HF_HOME": str(hf_home), "PYTHONPATH": os.getcwd()}
    return subprocess.run(
        [sys.executable, "-c", f"import json, time\n{code}"],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=90,
    )


@contextmanager
def serving(server: socketserver.BaseServer) -> Iterator[socketserver.BaseServer]:
    """Serve in a background thread on a loopback port; shut down afterwards."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


class FakeHub(http.server.BaseHTTPRequestHandler):
    """Answers the probe as the hub does (JSON) and counts the requests it gets."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.server.requests.append(self.path)
        body = json.dumps({"id": "openai-community/gpt2"}).encode()
        self.send_response(200 if self.path == PROBE_PATH else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        """Quiet."""


class ConnectProxy(socketserver.StreamRequestHandler):
    """A minimal HTTP CONNECT proxy: tunnels to the hosts in `server.routes`, refuses everything else."""

    def handle(self) -> None:
        method, target, _ = self.rfile.readline().decode().split()
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass  # the request's headers
        host = target.rsplit(":", 1)[0]
        self.server.requests.append(f"{method} {target}")
        if method != "CONNECT" or host not in self.server.routes:
            self.wfile.write(b"HTTP/1.1 502 Bad Gateway\r\n\r\n")
            return
        with socket.create_connection(self.server.routes[host], timeout=5) as upstream:
            self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            self.wfile.flush()
            pipe(self.connection, upstream)


def pipe(a: socket.socket, b: socket.socket) -> None:
    """Copy bytes both ways until one side closes."""
    with selectors.DefaultSelector() as selector:
        selector.register(a, selectors.EVENT_READ, b)
        selector.register(b, selectors.EVENT_READ, a)
        while True:
            for key, _ in selector.select(timeout=10):
                data = key.fileobj.recv(65536)
                if not data:
                    return
                key.data.sendall(data)


class Portal(socketserver.BaseRequestHandler):
    """Accepts the connection like a captive portal, then answers with something that is not the hub."""

    def handle(self) -> None:
        self.request.recv(4096)
        self.request.sendall(self.server.answer)


def tcp_server(handler, **attributes) -> socketserver.ThreadingTCPServer:
    """A threaded TCP server on a free loopback port with extra attributes for its handler."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    for name, value in attributes.items():
        setattr(server, name, value)
    return server


@pytest.fixture(scope="module")
def tls_hub(tmp_path_factory) -> Iterator[tuple[tuple[str, int], Path, list[str]]]:
    """An HTTPS fake hub on loopback with a self-signed certificate for hub.invalid."""
    if not shutil.which("openssl"):
        pytest.skip("needs the openssl command to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", f"/CN={FAKE_HOST}", "-addext", f"subjectAltName=DNS:{FAKE_HOST}",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeHub)
    server.requests = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    with serving(server):
        yield server.server_address, cert, server.requests


def test_hub_behind_an_https_proxy_is_reachable_and_probed_once(tls_hub, tmp_path):
    address, cert, hub_requests = tls_hub
    proxy = tcp_server(ConnectProxy, routes={FAKE_HOST: address}, requests=[])
    hub = {"HF_ENDPOINT": f"https://{FAKE_HOST}", "SSL_CERT_FILE": str(cert)}
    with serving(proxy):
        through = python(PROBE, tmp_path, **hub, HTTPS_PROXY=f"http://127.0.0.1:{proxy.server_address[1]}")
        bypassed = python(PROBE, tmp_path, **hub, HTTPS_PROXY=f"http://127.0.0.1:{proxy.server_address[1]}",
                          NO_PROXY=FAKE_HOST)  # fmt: skip
    assert json.loads(through.stdout) == [True, True, True], through.stderr[-2000:]
    assert proxy.requests == [f"CONNECT {FAKE_HOST}:443"] and hub_requests == [PROBE_PATH]  # asked once
    assert json.loads(bypassed.stdout) == [False, False, False]  # NO_PROXY counts: hub.invalid alone fails
    direct = python(PROBE, tmp_path, **hub)
    assert json.loads(direct.stdout) == [False, False, False], direct.stderr[-2000:]
    assert hub_requests == [PROBE_PATH]


@pytest.mark.parametrize(
    "answer",
    [
        b"\x00\xffgarbage, not HTTP\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 21\r\n\r\n<html>Log in</html>\r\n",
    ],
    ids=["garbage", "login-page"],
)
def test_a_portal_that_accepts_connections_is_not_the_hub(answer, tmp_path):
    portal = tcp_server(Portal, answer=answer)
    with serving(portal):
        done = python(PROBE, tmp_path, HF_ENDPOINT=f"http://127.0.0.1:{portal.server_address[1]}")
    assert json.loads(done.stdout) == [False, False, False], done.stderr[-2000:]


def test_a_silent_hub_is_given_up_on_in_time(tmp_path):
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts (the kernel does), never answers
        code = "import huggingface_hub; from workshop_lib.hub import hub_reachable; t = time.perf_counter()\n"
        code += "print(json.dumps([hub_reachable(timeout=1.0), time.perf_counter() - t]))"
        done = python(code, tmp_path, HF_ENDPOINT=f"http://127.0.0.1:{silent.getsockname()[1]}")
    reachable, seconds = json.loads(done.stdout)
    assert reachable is False and seconds < 2.5  # the 1 s timeout + at most 1 s grace


def fill_cache(hf_home: Path, model_dir: Path) -> Path:
    """Lay a model folder out as the hub cache does for openai-community/gpt2; return the snapshot."""
    repo, revision = hf_home / "hub" / "models--openai-community--gpt2", "0" * 40
    shutil.copytree(model_dir, repo / "snapshots" / revision)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(revision)
    return repo / "snapshots" / revision


LOAD = """
from workshop_lib.modeling import load_model
start = time.perf_counter()
try:
    load_model("openai-community/gpt2")
    print(json.dumps(["loaded", "", time.perf_counter() - start]))
except Exception as error:
    print(json.dumps([type(error).__name__, str(error), time.perf_counter() - start]))
"""


@pytest.mark.extended  # a fresh Python per call (torch imports): --all only
@pytest.mark.parametrize("offline", ["HF_HUB_OFFLINE=1", "unreachable hub"])
def test_cache_only_loads_are_fast_and_say_what_is_wrong(offline, tmp_path, tiny_dir):
    env = {"HF_ENDPOINT": "http://127.0.0.1:9"} | ({"HF_HUB_OFFLINE": "1"} if "=" in offline else {})
    kind, message, seconds = json.loads(python(LOAD, tmp_path / "empty", **env).stdout)
    assert kind == "HubUnavailableError" and "not reachable" in message
    assert seconds < 5  # the libraries alone retry for 20-50 s
    snapshot = fill_cache(tmp_path / "cached", tiny_dir)
    kind, message, seconds = json.loads(python(LOAD, tmp_path / "cached", **env).stdout)
    assert kind == "loaded", message
    (snapshot / "config.json").write_text("{ this is not JSON")  # a damaged cache is no network problem
    kind, message, _ = json.loads(python(LOAD, tmp_path / "cached", **env).stdout)
    assert kind != "HubUnavailableError" and "not reachable" not in message
    assert "config.json" in message, message  # the library's own message names the damaged file
