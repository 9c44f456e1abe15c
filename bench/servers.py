"""The gunicorn servers of `authbench --http`: one per distinct auth profile, on 127.0.0.1, stopped at the end.

A variant's profile (session engine, revocation backend, revocation on/off) is process-wide configuration, so
variants that differ in it get separate servers, each configured the way a deployment would be. All servers
run at once, so that rounds can interleave variants as they do in-process.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

from django.conf import settings

from bench.credentials import BenchError
from bench.transport import HOST, HTTPTransport

READY_TIMEOUT = 30.0


def free_port(start: int = 0) -> int:
    """Return a free loopback port: the first free one from `start` on (100 tried), or any when `start` is 0."""
    candidates = range(start, start + 100) if start else [0]
    for port in candidates:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((HOST, port))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise BenchError(f"no free port in {start}-{start + 99}")


class Server:
    """One gunicorn master (and its workers) serving `config.bench_settings` with `env` on `port`."""

    def __init__(self, *, port: int, env: dict, workers: int):
        self.port = port
        self.env = env
        self.workers = workers
        self.process: subprocess.Popen | None = None
        self._log = tempfile.TemporaryFile()

    def start(self) -> None:
        command = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"{HOST}:{self.port}",
                   "--workers", str(self.workers), "--worker-class", "sync", "--timeout", "60",
                   "--log-level", "warning"]
        self.process = subprocess.Popen(command, env=self.env, cwd=Path(settings.BASE_DIR),
                                        stdout=self._log, stderr=subprocess.STDOUT)

    def wait_ready(self) -> HTTPTransport:
        """Return a transport once `/healthz` answers 200; raise BenchError with the server's log otherwise."""
        transport = HTTPTransport(self.port, timeout=5.0)
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if transport.request("GET", "/healthz").status == 200:
                    return transport
            except OSError:
                pass
            time.sleep(0.2)
        raise BenchError(f"the gunicorn server on port {self.port} did not become ready:\n{self.log()}")

    def log(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace")[-2000:]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


@contextmanager
def servers_running(profiles: dict, *, database_url: str, redis_overrides: dict, workers: int, port: int):
    """Start one server per profile (key → environment overrides); yield key → HTTPTransport; stop them all."""
    base = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.bench_settings",
        "AUTHBENCH_SERVER": "1",
        "AUTHBENCH_BASE_SETTINGS": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings"),
        "DATABASE_URL": database_url,
    }
    if redis_overrides:
        base["AUTHBENCH_KEY_PREFIX"] = redis_overrides["CACHES"]["default"]["KEY_PREFIX"]
        base["AUTHBENCH_REVOCATION_KEY"] = redis_overrides["REVOCATION_REDIS_KEY"]
    with ExitStack() as stack:
        servers = {}
        next_port = port
        for key, env in profiles.items():
            chosen = free_port(next_port)
            next_port = chosen + 1 if port else 0
            server = Server(port=chosen, env={**base, **env}, workers=workers)
            stack.callback(server.stop)
            server.start()
            servers[key] = server
        yield {key: server.wait_ready() for key, server in servers.items()}
