"""Processes the outage and load tests drive: a TCP proxy that can cut a database off, gunicorn, an HTTP client.

Everything listens on this area's loopback ports (18500-18599) and is stopped by its own handle or pid.
"""

import http.client
import json
import os
import selectors
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from tests.support.processes import free_port, stop_gunicorn, wait_until

ROOT = Path(__file__).resolve().parents[2]
REDIS_PORTS = (18500, 18549)
APP_PORTS = (18550, 18574)
PROXY_PORTS = (18575, 18599)


class TcpProxy:
    """Forward a loopback port to `target`; `cut()` drops every connection and refuses new ones, `restore()`
    listens again — a database host that vanished and came back, as the application sees it."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = free_port(*PROXY_PORTS)
        self._listener: socket.socket | None = None
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()

    def start(self) -> "TcpProxy":
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", self.port))
        self._listener.listen(64)
        self._stopping.clear()
        threading.Thread(target=self._accept, args=(self._listener,), daemon=True).start()
        return self

    def _accept(self, listener: socket.socket) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._pairs.append((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, a: socket.socket, b: socket.socket) -> None:
        selector = selectors.DefaultSelector()
        selector.register(a, selectors.EVENT_READ, b)
        selector.register(b, selectors.EVENT_READ, a)
        try:
            while True:
                for key, _ in selector.select(timeout=1):
                    data = key.fileobj.recv(65536)
                    if not data:
                        return
                    key.data.sendall(data)
        except (OSError, ValueError):
            return
        finally:
            selector.close()
            for sock in (a, b):
                sock.close()

    def cut(self) -> None:
        """Refuse new connections and reset the open ones (RST, as from a host that went away)."""
        self._stopping.set()
        if self._listener is not None:
            try:  # close() alone does not wake a thread blocked in accept(); shutdown() does (Linux)
                self._listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._listener.close()
            self._listener = None
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            for sock in pair:
                try:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()

    def restore(self) -> None:
        self.start()

    def stop(self) -> None:
        self.cut()


def _inherited_env() -> dict[str, str]:
    """This process's environment without the service URLs: a server gets exactly the ones its test gives it."""
    return {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}


class Gunicorn:
    """Token Lab under gunicorn with `workers` sync workers, test settings and the given environment."""

    def __init__(self, *, env: dict[str, str], log: Path, workers: int = 1):
        self.port = free_port(*APP_PORTS)
        self.env = env
        self.log = log
        self.workers = workers
        self.process: subprocess.Popen | None = None

    def start(self) -> "Gunicorn":
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        self._log_file = self.log.open("wb")
        self.process = subprocess.Popen(
            [gunicorn, "config.wsgi", "--workers", str(self.workers), "--bind", f"127.0.0.1:{self.port}",
             "--timeout", "30", "--graceful-timeout", "2", "--backlog", "256"],
            cwd=ROOT, env={**_inherited_env(), **self.env}, stdout=self._log_file, stderr=subprocess.STDOUT,
        )
        wait_until(self._listening, timeout=30, what=f"gunicorn on port {self.port}")
        return self

    def _listening(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {self.log.read_text()[-2000:]}")
        with socket.socket() as probe:
            probe.settimeout(0.2)
            return probe.connect_ex(("127.0.0.1", self.port)) == 0

    def stop(self) -> None:
        if self.process is None:
            return
        stop_gunicorn(self.process)
        self.process = None
        self._log_file.close()


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


def call(port: int, method: str, path: str, *, body=None, headers: dict | None = None, form: str | None = None,
         timeout: float = 30) -> Reply:
    """One HTTP request on a fresh connection to 127.0.0.1:`port`."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        sent = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body)
            sent["Content-Type"] = "application/json"
        elif form is not None:
            data = form
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=data, headers=sent)
        response = connection.getresponse()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        connection.close()


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    """Environment of a Token Lab server process: test settings (fast password hashing), no Redis unless given."""
    env = {"DJANGO_SETTINGS_MODULE": "config.settings_test", "DEBUG": "0", "DATABASE_URL": database_url,
           "LOG_LEVEL": "ERROR", "LOGIN_RATE": "100000/min"}
    env.update(extra)
    return env


def database_url_of(settings_dict: dict, *, port: int | None = None) -> str:
    """postgres:// URL of the test database, optionally through another port (the proxy)."""
    host = settings_dict["HOST"] or "127.0.0.1"
    password = settings_dict["PASSWORD"] or ""
    return (f"postgres://{settings_dict['USER']}:{password}@{host}:{port or settings_dict['PORT'] or 5432}/"
            f"{settings_dict['NAME']}")
