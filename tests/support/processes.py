"""Real server processes for reliability tests: our own `redis-server` instances and Token Lab app servers.

Each process is started on a free loopback port of a given range and stopped by its pid — never by name — so
that helpers and CI jobs sharing a machine never touch each other's servers.
"""

import fcntl
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

import pytest
import redis

from tests.support.suite import IN_CI

# Ports handed out to servers of this test process that have not bound them yet (or still hold them): two servers
# created one after the other, before either has started, must not both be given the same "free" port.
_RESERVED: set[int] = set()


# Ports this test process has claimed across processes (port -> the open lock file that holds the claim).
_CLAIMED: dict[int, int] = {}
_CLAIMS = Path(tempfile.gettempdir()) / "tokenlab-test-ports"


def _claim(port: int) -> bool:
    """Claim `port` for this test process alone, for as long as it lives; False when another process holds it.

    Several test runs share a machine (CI runs the two modes side by side). A port is free by the probe below the
    moment a server of one run stops, and the other run, scanning the same range, would start its own server there
    while the first run's test still expects silence on it (a "dead" primary that answers). An exclusive `flock`
    per port settles who may use it; the kernel drops it when the process ends, however it ends.
    """
    if port in _CLAIMED:
        return True
    _CLAIMS.mkdir(exist_ok=True)
    fd = os.open(_CLAIMS / f"{port}.lock", os.O_CREAT | os.O_RDWR, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return False
    _CLAIMED[port] = fd
    return True


def free_port(first: int, last: int, *, reserve: bool = False) -> int:
    """Return a loopback port in [first, last] that nothing listens on right now, no server of ours holds, and no
    other test process has claimed (`_claim`).

    With `reserve`, the port stays out of later answers until `release_port()` is called for it.
    """
    for port in range(first, last + 1):
        if port in _RESERVED or not _claim(port):
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            # Servers bind with SO_REUSEADDR too: a port whose old connections linger in TIME_WAIT is free to them.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            if reserve:
                _RESERVED.add(port)
            return port
    raise RuntimeError(f"no free port in {first}-{last}")


def release_port(port: int) -> None:
    _RESERVED.discard(port)


def wait_until(predicate, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise TimeoutError(f"{what} did not happen within {timeout} s")


class RedisServer:
    """A private `redis-server` (no automatic persistence) that a test may stop, restart, pause or roll back.

    `save()` writes a snapshot to the server's own directory; `crash()` kills it without saving, and `start()`
    then loads that snapshot — a Redis that comes back with *old* data, as after a crash or a failover to a
    replica that lagged.
    """

    binary = shutil.which("redis-server")

    def __init__(self, directory: Path, port_range: tuple[int, int] = (18200, 18249), *,
                 replica_of: "RedisServer | None" = None):
        self.directory = directory
        self.port_range = port_range
        self.port = free_port(*port_range)
        self.process: subprocess.Popen | None = None
        self.paused = False
        # A replica starts by copying `replica_of` (a full resynchronisation) and then follows its writes.
        self.replica_of = replica_of

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self, timeout: float = 2.0) -> redis.Redis:
        """A fresh client of this server (its own pool), for the test's own inspection and sabotage."""
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=timeout, socket_connect_timeout=timeout)

    def start(self) -> "RedisServer":
        def command() -> list[str]:
            # A configuration file of its own (empty: the options follow on the command line), which Sentinel
            # rewrites when it promotes or reconfigures the server (CONFIG REWRITE).
            config = self.directory / f"redis-{self.port}.conf"
            config.touch()
            replication = ["--replicaof", "127.0.0.1", str(self.replica_of.port)] if self.replica_of else []
            return [self.binary, str(config), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                    "--appendonly", "no", "--dir", str(self.directory), "--dbfilename", "dump.rdb",
                    "--daemonize", "no", "--logfile", "", *replication]

        self._launch(command)
        if self.replica_of:
            self.wait_in_sync()
        return self

    def _launch(self, command) -> None:
        """Start `command()` and wait until *our* process answers on the port. Another test process may have
        taken the port between our probe and our bind: then our server exits, and we try the next free port
        (a ping alone could be answered by that other server)."""
        for _attempt in range(5):
            self.process = subprocess.Popen(command(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            probe = self.client(timeout=0.2)
            try:
                wait_until(lambda probe=probe: self.process.poll() is not None or self._answers(probe), timeout=10,
                           what=f"redis-server on port {self.port} starting")
                if self.process.poll() is None and probe.info("server")["process_id"] == self.process.pid:
                    return
            finally:
                probe.close()
            if self.process.poll() is None:
                self.process.kill()
            self.process.wait(timeout=5)
            self.port = free_port(*self.port_range)
        raise RuntimeError("no port could be bound for a private redis-server")

    def wait_in_sync(self, timeout: float = 10) -> None:
        """Wait until this replica is linked to its primary and has applied everything the primary wrote."""
        with self.client() as mine, self.replica_of.client() as theirs:
            def caught_up() -> bool:
                info = mine.info("replication")
                return (info.get("master_link_status") == "up"
                        and info["slave_repl_offset"] >= theirs.info("replication")["master_repl_offset"])
            wait_until(caught_up, timeout=timeout, what=f"replica on port {self.port} catching up")

    def hold_replication(self, milliseconds: int) -> None:
        """Stop applying the primary's writes for `milliseconds` (`CLIENT PAUSE WRITE` holds the replication
        stream; reads and pings still answer). Should the primary die meanwhile, what was held is dropped with the
        link: the replica, promoted next, misses the last writes. Keep it shorter than Sentinel's
        down-after-milliseconds: the pause also holds Sentinel's hello messages to the replica."""
        with self.client() as client:
            client.execute_command("CLIENT", "PAUSE", milliseconds, "WRITE")

    def role(self) -> str:
        with self.client() as client:
            return client.execute_command("ROLE")[0].decode()

    @staticmethod
    def _answers(client: redis.Redis) -> bool:
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False

    def save(self) -> None:
        with self.client() as client:
            client.save()

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL) and wait for it; nothing is saved (`--save ""`)."""
        if self.process is None:
            return
        if self.paused:
            self.resume()
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        self.process = None

    def crash(self) -> None:
        """Kill the server at once (SIGKILL), as a crash or a lost host would."""
        if self.process is None:
            return
        if self.paused:
            self.resume()
        self.process.kill()
        self.process.wait(timeout=5)
        self.process = None

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): connections stay open, data stays, nothing answers."""
        os.kill(self.process.pid, signal.SIGSTOP)
        self.paused = True

    def resume(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)
        self.paused = False


class SentinelServer(RedisServer):
    """A private Redis Sentinel watching `master` under `name`, with short timings so that a failover takes
    seconds: the primary is deemed down after `down_after_ms` without an answer."""

    def __init__(self, directory: Path, *, master: RedisServer, name: str = "tokenlab", quorum: int = 2,
                 down_after_ms: int = 1000, failover_timeout_ms: int = 10_000,
                 port_range: tuple[int, int] = (18200, 18249)):
        super().__init__(directory, port_range)
        self.master, self.name, self.quorum = master, name, quorum
        self.down_after_ms, self.failover_timeout_ms = down_after_ms, failover_timeout_ms

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> "SentinelServer":
        self._launch(lambda: [self.binary, str(self._config()), "--sentinel"])
        return self

    def _config(self) -> Path:
        config = self.directory / f"sentinel-{self.port}.conf"
        config.write_text("\n".join([
            f"port {self.port}", "bind 127.0.0.1", f"dir {self.directory}", "logfile \"\"",
            f"sentinel monitor {self.name} 127.0.0.1 {self.master.port} {self.quorum}",
            f"sentinel down-after-milliseconds {self.name} {self.down_after_ms}",
            f"sentinel failover-timeout {self.name} {self.failover_timeout_ms}",
            f"sentinel parallel-syncs {self.name} 1", "",
        ]))
        return config

    def primary_port(self) -> int | None:
        """The port of the primary this sentinel names now, or None when it does not answer."""
        try:
            with self.client(timeout=0.5) as client:
                return int(client.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", self.name)[1])
        except (redis.RedisError, TypeError):
            return None

    def knows(self, *, sentinels: int, replicas: int) -> bool:
        """Whether this sentinel has discovered `sentinels` other sentinels and `replicas` healthy replicas."""
        with self.client(timeout=0.5) as client:
            others = client.sentinel_sentinels(self.name)
            healthy = [r for r in client.sentinel_slaves(self.name) if not r["is_sdown"]]
        return len(others) >= sentinels and len(healthy) >= replicas


class RedisFailoverGroup:
    """A primary, one replica and three sentinels on loopback, each in its own directory, stopped by pid."""

    def __init__(self, directory: Path, *, name: str = "tokenlab", down_after_ms: int = 1000):
        self.directory, self.name, self.down_after_ms = directory, name, down_after_ms
        self.primary: RedisServer | None = None
        self.replica: RedisServer | None = None
        self.sentinels: list[SentinelServer] = []

    def _dir(self, name: str) -> Path:
        path = self.directory / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def start(self) -> "RedisFailoverGroup":
        # Each server is recorded before it starts, so that stop() also stops one whose start failed half-way.
        self.primary = RedisServer(self._dir("primary"))
        self.primary.start()
        self.replica = RedisServer(self._dir("replica"), replica_of=self.primary)
        self.replica.start()
        for i in range(3):
            self.sentinels.append(SentinelServer(self._dir(f"sentinel-{i}"), master=self.primary, name=self.name,
                                                 down_after_ms=self.down_after_ms))
            self.sentinels[-1].start()
        # A failover needs a majority of sentinels that know one another and the replica.
        wait_until(lambda: all(s.knows(sentinels=2, replicas=1) for s in self.sentinels), timeout=30,
                   what="the sentinels discovering one another and the replica")
        return self

    @property
    def sentinel_addresses(self) -> str:
        """REDIS_SENTINELS for Token Lab: comma-separated host:port."""
        return ",".join(s.address for s in self.sentinels)

    def promoted(self) -> bool:
        """Whether every sentinel names the replica as the primary and the replica answers as one."""
        return (all(s.primary_port() == self.replica.port for s in self.sentinels)
                and self.replica.role() == "master")

    def stop(self) -> None:
        for server in [*self.sentinels, self.replica, self.primary]:
            if server is not None:
                server.stop()


def require_redis_binary() -> None:
    """Skip on a laptop without `redis-server`; fail in CI, where it is installed."""
    if RedisServer.binary:
        return
    if IN_CI:
        pytest.fail("redis-server is required in CI but is not installed")
    pytest.skip("redis-server is not installed (apt-get install redis-server)")


@pytest.fixture(name="redis_server")
def redis_server_fixture(tmp_path):
    """A private redis-server on a free port in 18200-18249, stopped by its pid after the test."""
    require_redis_binary()
    server = RedisServer(tmp_path).start()
    _forget_pools(server.url)
    yield server
    server.stop()
    _forget_pools(server.url)


def _forget_pools(url: str) -> None:
    """Drop django-redis's process-wide connection pool for `url`: it keys pools by URL alone, so a later test
    whose server reuses this port would otherwise get this test's socket timeouts (a 10 s one made a "hung Redis
    costs one short timeout" test take 10 s)."""
    from django_redis.pool import ConnectionFactory

    pool = ConnectionFactory._pools.pop(url, None)
    if pool is not None:
        pool.disconnect()


class AppServer:
    """One Token Lab server process (gunicorn, one worker unless told) with production settings and the given
    environment."""

    def __init__(self, *, env: Mapping[str, str], log: Path, port_range: tuple[int, int] = (18250, 18299),
                 workers: int = 1):
        self.workers = workers
        self.port = free_port(*port_range, reserve=True)
        self.env = env
        self.log = log
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, python: str, cwd: Path) -> "AppServer":
        gunicorn = str(Path(python).with_name("gunicorn"))
        self._log_file = self.log.open("wb")
        self.process = subprocess.Popen(
            [gunicorn, "config.wsgi", "--workers", str(self.workers), "--bind", f"127.0.0.1:{self.port}",
             "--timeout", "30", "--graceful-timeout", "2"],
            cwd=cwd, env={**os.environ, **self.env}, stdout=self._log_file, stderr=subprocess.STDOUT,
        )
        return self

    def listening(self) -> bool:
        if self.process is None or self.process.poll() is not None:
            raise RuntimeError(f"app server on port {self.port} exited; see {self.log}")
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.settimeout(0.2)
            return probe.connect_ex(("127.0.0.1", self.port)) == 0

    def stop(self) -> None:
        if self.process is None:
            release_port(self.port)
            return
        stop_gunicorn(self.process)
        self.process = None
        self._log_file.close()
        release_port(self.port)


def stop_gunicorn(process: subprocess.Popen) -> None:
    """Stop a gunicorn master and its workers, killing it if the quick shutdown hangs."""
    process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown (SIGTERM waits for workers)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
