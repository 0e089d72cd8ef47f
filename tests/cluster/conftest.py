"""A real `redis-server` (Debian's package; .ci/run installs it) on a free loopback port in
a temporary folder, for the whole test session, and a cluster of separate processes on it:
web replicas (`nnplayground serve --redis`) and worker hosts (`nnplayground worker`)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import redis

from tests.page.browser import require_tool
from tests.servers import free_port

START_TIMEOUT_S = 90  # a host imports torch; on two busy cores that took 27 s here


@dataclass
class RedisServer:
    port: int
    folder: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [
            str(shutil.which("redis-server")),
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--save", "",  # no persistence: a restart loses everything, the harder case
            "--appendonly", "no",
            "--dir", str(self.folder),
        ]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        client = redis.Redis(port=self.port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.02)
        client.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    require_tool(
        shutil.which("redis-server"),
        "redis-server",
        "install Debian's redis-server package (apt-get install redis-server)",
    )
    server = RedisServer(free_port(), tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Cluster:
    redis: RedisServer
    folder: Path
    replicas: list[tuple[subprocess.Popen[bytes], str]] = field(default_factory=list)
    hosts: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def env(self) -> dict[str, str]:
        return os.environ | {
            "NNP_WORKERS": "1",
            "NNP_TORCH_THREADS": "1",
            "NNP_DATA_DIR": str(self.folder),
            "NNP_WS_RUNS_PER_IP": "1000",
            "NNP_WS_REBUILD_BURST": "1000",
            "NNP_WS_RESUME_GRACE_S": "5",
        }

    def add_host(self, slots: int) -> subprocess.Popen[bytes]:
        command = ["worker", "--redis", self.redis.url, "--slots", str(slots)]
        host = self._spawn(command, f"host{len(self.hosts)}.log")
        self.hosts.append(host)
        return host

    def add_replica(self) -> str:
        port = free_port()
        command = ["serve", "--redis", self.redis.url, "--port", str(port)]
        url = f"http://127.0.0.1:{port}"
        self.replicas.append((self._spawn(command, f"replica{len(self.replicas)}.log"), url))
        return url

    def _spawn(self, command: list[str], log: str) -> subprocess.Popen[bytes]:
        with (self.folder / log).open("wb") as output:  # the child keeps its own copy
            return subprocess.Popen(
                [sys.executable, "-m", "app.cli", *command],
                env=self.env(),
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self, hosts: int) -> None:
        """Until every replica answers /healthz and `hosts` hosts are registered."""
        client = redis.Redis(port=self.redis.port)
        deadline = time.monotonic() + START_TIMEOUT_S
        try:
            while client.scard("nnp:hosts") < hosts or not all(
                _healthy(url) for _, url in self.replicas
            ):
                for process in [p for p, _ in self.replicas] + self.hosts:
                    assert process.poll() is None, f"{process.args} ended: {self.logs()}"
                assert time.monotonic() < deadline, f"the cluster did not start: {self.logs()}"
                time.sleep(0.1)
        finally:
            client.close()

    def logs(self) -> str:
        return "\n".join(f"== {p.name}\n{p.read_text()[-2000:]}" for p in self.folder.glob("*.log"))

    def stop(self) -> None:
        processes = [p for p, _ in self.replicas] + self.hosts
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture(scope="module")
def cluster(
    redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    """Two web replicas and two worker hosts (one worker process each), as processes."""
    cluster = Cluster(redis_server, tmp_path_factory.mktemp("cluster"))
    try:
        for _ in range(2):
            cluster.add_replica()
            cluster.add_host(slots=6)
        cluster.wait_ready(hosts=2)
        yield cluster
    finally:
        cluster.stop()
