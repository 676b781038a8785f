"""A class on a real JupyterHub: two learners, each with a server and a folder, one read-only model cache.

The hub (PyPI `jupyterhub`) and its proxy (npm `configurable-http-proxy`) run on the loopback address with
`SimpleLocalProcessSpawner` (servers without system accounts) and the dummy authenticator. The workshop is
installed from its wheel into one environment, as docs/classroom.md tells a hub admin, and each
learner's notebook runs in a kernel started through the hub's proxy with that learner's token.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest
import requests

pytestmark = pytest.mark.extended  # a hub, a proxy, two servers and their kernels: --all only

LEARNERS = {"ada": 1, "bob": 2}  # name: the SEED each sets, to tell their results apart
MODEL = "openai-community/gpt2"  # the id the shared cache holds (the tiny GPT-2 under GPT-2's name)
NOTEBOOK = "01_goal.ipynb"  # the shortest notebook that loads the model: the cache is used
ADVICE = (
    "needs JupyterHub and its proxy: `pip install jupyterhub` (in the [test] extra) and "
    "`npm install -g configurable-http-proxy` (.ci/run installs the proxy itself)"
)
CONFIG = """
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.JupyterHub.db_url = "sqlite:///{tmp}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{tmp}/cookie_secret"
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allow_all = True
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = "{tmp}/home/{{username}}"
c.Spawner.cmd = ["{python}", "-m", "jupyterhub.singleuser"]
c.Spawner.args = {args!r}
c.Spawner.env_keep = ["LANG", "LC_ALL"]
c.Spawner.environment = {environment!r}
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 180
c.ConfigurableHTTPProxy.command = ["{proxy}"]
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.ConfigurableHTTPProxy.pid_file = "{tmp}/proxy.pid"
c.JupyterHub.services = [{{"name": "teacher", "api_token": "{admin_token}"}}]
c.JupyterHub.load_roles = [{{"name": "admin", "services": ["teacher"]}}]
"""


def free_port() -> int:
    """A TCP port on the loopback address that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fingerprint(folder: Path) -> dict[str, tuple[int, str]]:
    """{relative path: (mode, sha256)} of every file and folder under `folder`."""
    prints = {}
    for path in sorted(folder.rglob("*")):
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "folder"
        prints[str(path.relative_to(folder))] = (path.stat().st_mode, digest)
    return prints


def shared_cache(hub_cache: Path, model_dir: Path) -> Path:
    """A hub cache (HF_HUB_CACHE) as `workshop prefetch` leaves it for GPT-2, with `model_dir`; read-only."""
    repo, revision = hub_cache / f"models--{MODEL.replace('/', '--')}", "0" * 40
    shutil.copytree(model_dir, repo / "snapshots" / revision)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(revision)
    for path in [hub_cache, *hub_cache.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    return hub_cache


@dataclass
class Hub:
    """A running hub: its public address, the teacher's admin token, the process and its log."""

    url: str
    token: str
    process: subprocess.Popen
    log: Path
    seen: set[int] = field(default_factory=set)

    def api(
        self, method: str, path: str, expect: tuple[int, ...] = (200, 201), **kwargs
    ) -> requests.Response:
        """Call the hub's REST API as the teacher; fail with the hub's log unless the status is expected."""
        answer = requests.request(
            method,
            f"{self.url}hub/api/{path}",
            headers={"Authorization": f"token {self.token}"},
            timeout=60,
            **kwargs,
        )
        assert answer.status_code in expect, (
            f"{method} {path}: {answer.status_code} {answer.text}\n{self.tail()}"
        )
        return answer

    def tail(self) -> str:
        """The end of the hub's log (the proxy's and the servers' lines are in it too)."""
        return "hub log:\n" + self.log.read_text(errors="replace")[-4000:]

    def remember_processes(self) -> None:
        """Note every process under the hub (proxy, servers, kernels), to check they all end with it."""
        if self.process.poll() is None:
            self.seen.update(child.pid for child in psutil.Process(self.process.pid).children(recursive=True))

    def stop(self) -> list[int]:
        """Stop the hub as its admin would (SIGTERM: it stops the servers and the proxy); return survivors."""
        self.remember_processes()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        survivors = []
        for pid in self.seen:
            try:
                process = psutil.Process(pid)
                process.wait(timeout=5)
            except psutil.NoSuchProcess:
                continue
            except psutil.TimeoutExpired:
                survivors.append(pid)
                process.kill()
        return survivors


@dataclass
class Learner:
    """A learner's server, reached through the hub's proxy with the learner's own token."""

    hub: Hub
    name: str
    token: str

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        """Call the learner's Jupyter Server REST API through the proxy."""
        headers = {"Authorization": f"token {self.token}"}
        return requests.request(
            method, f"{self.hub.url}user/{self.name}/api/{path}", headers=headers, timeout=60, **kwargs
        )

    def kernel(self, notebook: str) -> Kernel:
        """Open `notebook` as JupyterLab does: a session, whose kernel starts in the notebook's folder."""
        body = {
            "path": notebook,
            "type": "notebook",
            "name": Path(notebook).name,
            "kernel": {"name": "python3"},
        }
        answer = self.call("POST", "sessions", json=body)
        assert answer.status_code == 201, (
            f"{self.name}: {answer.status_code} {answer.text}\n{self.hub.tail()}"
        )
        return Kernel(self, answer.json()["kernel"]["id"])


class Kernel:
    """A kernel's websocket through the hub's proxy: send code, collect its printed output."""

    def __init__(self, learner: Learner, kernel_id: str) -> None:
        """Connect to the kernel's channels with the learner's token."""
        import websocket

        self.learner, self.session = learner, uuid.uuid4().hex
        url = learner.hub.url.replace("http", "ws", 1)
        self.socket = websocket.create_connection(
            f"{url}user/{learner.name}/api/kernels/{kernel_id}/channels?session_id={self.session}",
            header=[f"Authorization: token {learner.token}"],
            timeout=300,
        )

    def run(self, code: str, where: str = "") -> str:
        """Execute `code`; return what it printed; fail with the traceback when it raises."""
        msg_id = uuid.uuid4().hex
        header = {
            "msg_id": msg_id,
            "msg_type": "execute_request",
            "session": self.session,
            "username": self.learner.name,
            "version": "5.3",
        }
        content = {
            "code": code,
            "silent": False,
            "store_history": True,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": True,
        }
        self.socket.send(
            json.dumps(
                {
                    "header": header,
                    "parent_header": {},
                    "metadata": {},
                    "content": content,
                    "channel": "shell",
                }
            )
        )
        printed, error = [], None
        while True:
            message = json.loads(self.socket.recv())
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, body = message["msg_type"], message["content"]
            if kind == "stream":
                printed.append(body["text"])
            elif kind == "error":
                error = "\n".join(body["traceback"])
            elif kind == "status" and body["execution_state"] == "idle":
                break
        assert error is None, f"{self.learner.name}, {where or code[:80]}:\n{error}"
        return "".join(printed)

    def run_notebook(self, path: str, parameters: str) -> None:
        """Run every code cell of the learner's notebook `path` (read through the server), in order.

        `parameters` is added to the parameters cell, as a learner edits it.
        """
        answer = self.learner.call("GET", f"contents/{path}")
        assert answer.status_code == 200, answer.text
        for number, cell in enumerate(answer.json()["content"]["cells"], 1):
            if cell["cell_type"] == "code":
                tags = cell.get("metadata", {}).get("tags", [])
                code = cell["source"] + ("\n" + parameters if "parameters" in tags else "")
                self.run(code, where=f"{path}, cell {number}")


@pytest.fixture
def proxy() -> str:
    """The proxy's command; skip, with the install commands, unless JupyterHub and the proxy are there."""
    pytest.importorskip("jupyterhub", reason=ADVICE)
    command = shutil.which("configurable-http-proxy")
    if command is None:
        pytest.skip(ADVICE)
    return command


@pytest.fixture
def hub(proxy, installed, tiny_dir, tmp_path) -> Iterator[Hub]:
    """A JupyterHub serving the installed workshop on the loopback address; stopped whatever happens."""
    venv, env = installed
    cache = shared_cache(tmp_path / "hub-cache", tiny_dir)
    environment = {  # what a class's hub sets for every learner (docs/classroom.md, "Installed with pip")
        "PATH": f"{venv / 'bin'}:/usr/local/bin:/usr/bin:/bin",
        "HF_HUB_CACHE": str(cache),  # shared; each learner's HF_HOME (datasets' cache) stays in their home
        "HF_HUB_OFFLINE": "1",
        "WORKSHOP_PROFILE": "smoke",
        "TOKENIZERS_PARALLELISM": "false",
        "JUPYTER_CONFIG_PATH": str(Path(sys.prefix) / "etc" / "jupyter"),  # JupyterLab, enabled there
    }
    args = ["--allow-root"] if os.geteuid() == 0 else []  # as root (CI containers), the server asks for it
    port, admin_token = free_port(), secrets.token_hex(16)
    config = tmp_path / "jupyterhub_config.py"
    config.write_text(
        CONFIG.format(
            port=port,
            hub_port=free_port(),
            proxy_api_port=free_port(),
            tmp=tmp_path,
            python=venv / "bin" / "python",
            proxy=proxy,
            environment=environment,
            args=args,
            admin_token=admin_token,
        )
    )
    log = tmp_path / "jupyterhub.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(config)],
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    running = Hub(f"http://127.0.0.1:{port}/", admin_token, process, log)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, f"the hub exited with {process.returncode}\n{running.tail()}"
            assert time.monotonic() < deadline, f"the hub did not answer within 120 s\n{running.tail()}"
            try:
                if requests.get(f"{running.url}hub/api/", timeout=5).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            time.sleep(0.5)
        yield running
    finally:
        running.stop()


def start_server(hub: Hub, name: str) -> Learner:
    """Create the learner, start their server and give them a token, all through the hub's REST API."""
    hub.api("POST", f"users/{name}/server", expect=(201, 202))
    deadline = time.monotonic() + 240
    while not hub.api("GET", f"users/{name}").json()["servers"].get("", {}).get("ready"):
        assert time.monotonic() < deadline, f"{name}'s server did not start within 240 s\n{hub.tail()}"
        time.sleep(1)
    token = hub.api("POST", f"users/{name}/tokens", json={"note": "the hub test", "expires_in": 3600})
    return Learner(hub, name, token.json()["token"])


def test_two_learners_work_on_one_hub_with_a_shared_read_only_cache(hub, installed, tmp_path):
    venv, _ = installed
    cache, homes = tmp_path / "hub-cache", {name: tmp_path / "home" / name for name in LEARNERS}
    cache_before = fingerprint(cache)
    hub.api("POST", "users", json={"usernames": list(LEARNERS)})
    learners = {name: start_server(hub, name) for name in LEARNERS}

    # The admin's setup in each home, as docs/classroom.md says: the package installed; `workshop init` there.
    kernels = {}
    for name, learner in learners.items():
        setup = learner.kernel("setup.ipynb")
        setup.run("!workshop init my-workshop")
        assert len(list((homes[name] / "my-workshop").glob("0[1-6]_*.ipynb"))) == 6
        kernels[name] = learner.kernel(f"my-workshop/{NOTEBOOK}")
        where = "import json, os, sys, workshop_lib; print(json.dumps([workshop_lib.__file__, os.getcwd()]))"
        package, cwd = json.loads(kernels[name].run(where))
        assert Path(package).is_relative_to(venv) and cwd == str(homes[name] / "my-workshop")

    # Both learners run the notebook at once, each in their own kernel, through the hub's proxy.
    failures: dict[str, BaseException] = {}

    def work(name: str) -> None:
        try:
            kernels[name].run_notebook(
                f"my-workshop/{NOTEBOOK}", f"MODEL_NAME = {MODEL!r}\nSEED = {LEARNERS[name]}"
            )
        except BaseException as failure:  # shown below, with the learner's name
            failures[name] = failure

    threads = [threading.Thread(target=work, args=(name,)) for name in LEARNERS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures

    # Each learner's results are in their own folder, with their own settings; nowhere else.
    for name, seed in LEARNERS.items():
        out = homes[name] / "my-workshop" / "artifacts" / "smoke"
        settings = json.loads((out / "settings.json").read_text())
        assert (settings["seed"], settings["model_name"]) == (seed, MODEL)
        assert (out / "metrics" / "zero_shot.json").is_file()
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("settings.json"))
    assert written == [
        Path("home", name, "my-workshop", "artifacts", "smoke", "settings.json") for name in LEARNERS
    ]
    assert fingerprint(cache) == cache_before, "a learner wrote into the shared cache"

    # The teacher stops ada's server: her kernel ends, her files stay; bob's server still works.
    ada, bob = learners.values()
    ada_files = fingerprint(homes["ada"] / "my-workshop")
    hub.remember_processes()
    ada_kernel = psutil.Process(int(kernels["ada"].run("import os; print(os.getpid())")))
    hub.api("DELETE", "users/ada/server", expect=(202, 204))
    deadline = time.monotonic() + 60
    while hub.api("GET", "users/ada").json()["servers"]:
        assert time.monotonic() < deadline, f"ada's server did not stop within 60 s\n{hub.tail()}"
        time.sleep(1)
    assert not psutil.wait_procs([ada_kernel], timeout=30)[1], "ada's kernel outlived her server"
    assert ada.call("GET", "status").status_code != 200
    assert fingerprint(homes["ada"] / "my-workshop") == ada_files
    assert bob.call("GET", "status").status_code == 200
    metrics = "import json; print(json.load(open('artifacts/smoke/metrics/zero_shot.json'))['mcc'])"
    assert -1 <= float(kernels["bob"].run(metrics)) <= 1
    assert fingerprint(cache) == cache_before

    # Stopping the hub ends everything it started: the proxy, bob's server, the kernels.
    assert hub.stop() == []
    assert hub.process.returncode is not None
