"""How cost grows (`authbench --scale`): the revocation store filled with 10², 10⁴ and 10⁶ live entries.

For each size: the per-request cost of Token Lab's two doors on Redis (time as a ratio to the baseline measured
in the same slices, Redis commands and round trips, DB queries, and the Redis server's own µs per call), the
Redis memory the copy takes, and what happens when the copy is lost — the time until the rebuilt copy holds a
lease again, and the latency of the requests served meanwhile. Then, at the largest size, throughput over HTTP
with 1, 2, 4, 8 and 16 concurrent clients.

Entries are made fast and in bulk: one INSERT … SELECT over a generated series in the database, pipelined
HSETs of the same values into the Redis copy (as the writers' pushes would have left them). They are revocations
of made-up token ids (`scale-…`) that match no credential of the run, so every measured request is accepted.
"""

import statistics
import threading
import time

from django.db import connections
from django.test import override_settings

from bench.credentials import BenchError
from bench.instruments import CostMeter, summarize
from bench.measure import Samples, percentile, run_slice
from bench.transport import InProcessTransport
from bench.variants import BASELINE, BY_KEY, REVOCATION_REDIS, SESSION_CACHED_DB
from denylist import revocation, seeding
from httpkit.redis_primary import primary_client

SIZES = (100, 10_000, 1_000_000)
CLIENTS = (1, 2, 4, 8, 16)
DOORS = ("session-cached-db", "jwt-revocation-redis")  # Token Lab's two doors on Redis
MEASURED = (BASELINE, *DOORS)
REASON = "authbench-scale"
KEY_PREFIX = "scale-"
REBUILD_CLIENTS = 2  # in-process clients sending requests while the copy is rebuilt, as two workers would
REBUILD_TIMEOUT = 120.0
# What a lost copy of a million entries must do to be an outage no one notices (issue 20): lease again within 10 s,
# and no request slower than 0.5 s while the requests rebuild it.
RECOVERY_SECONDS = 10.0
RECOVERY_SLOWEST_MS = 500.0
# Both doors work under this one profile (the JWT door ignores the session engine): used while rebuilding.
_BOTH_DOORS = {"SESSION_ENGINE": SESSION_CACHED_DB, "REVOCATION_BACKEND": REVOCATION_REDIS,
               "REVOCATION_ENABLED": True}


def admin_client():
    """Return a Redis client of the run's own, for the slow administrative commands of this section."""
    return primary_client(socket_timeout=60, socket_connect_timeout=5)


def seed(*, start: int, stop: int, client, key: str) -> float:
    """Add revocation entries numbered [start, stop) to the database and to the Redis copy; return seconds."""
    return seeding.token_entries_seed(prefix=KEY_PREFIX, start=start, stop=stop, reason=REASON, client=client, key=key)


def unseed(client, key: str) -> None:
    """Delete the made-up entries from the database (the Redis copy goes with the run's key space)."""
    seeding.entries_unseed(reason=REASON)


def redis_memory(client, key: str) -> dict:
    """Return the copy's size: fields, encoding, bytes of the hash (exact), and the server's used memory."""
    hash_bytes = client.memory_usage(key, samples=0) or 0
    fields = client.hlen(key)
    encoding = client.object("encoding", key)
    return {
        "fields": fields,
        "encoding": encoding.decode() if isinstance(encoding, bytes) else encoding,
        "hash_bytes": hash_bytes,
        "bytes_per_entry": round(hash_bytes / fields, 1) if fields else None,
        "server_used_bytes": client.info("memory")["used_memory"],
    }


def _server_usec(client) -> dict:
    stats = client.info("commandstats")
    return {name.removeprefix("cmdstat_"): (s["calls"], s["usec"]) for name, s in stats.items()}


def _usec_per_call(before: dict, after: dict, command: str) -> float | None:
    calls = after.get(command, (0, 0))[0] - before.get(command, (0, 0))[0]
    usec = after.get(command, (0, 0))[1] - before.get(command, (0, 0))[1]
    return round(usec / calls, 2) if calls else None


def per_request(states: dict, *, seconds: float, rounds: int, client) -> dict:
    """Time the baseline and both doors in interleaved slices; return a row per variant."""
    samples = {key: Samples() for key in states}
    counts = {key: [] for key in states}
    server = {key: {} for key in states}
    keys = list(states)
    for number in range(rounds):
        shift = number % len(keys)
        for key in keys[shift:] + keys[:shift]:
            state = states[key]
            with override_settings(**state.variant.profile):
                meter = CostMeter(client)
                before = _server_usec(client)
                with meter.active():
                    run_slice(state.transport, state.variant.path, state.credential, Samples(), seconds=0,
                              max_requests=1)
                    run_slice(state.transport, state.variant.path, state.credential, samples[key],
                              seconds=seconds / rounds, max_requests=None, meter=meter)
                after = _server_usec(client)
                counts[key] += meter.done[1:]
                for command in ("get", "hmget", "evalsha"):
                    if (usec := _usec_per_call(before, after, command)) is not None:
                        server[key].setdefault(command, []).append(usec)
    base = samples[BASELINE].summary()
    rows = {}
    for key in keys:
        summary = samples[key].summary()
        cost = summarize(counts[key])
        rows[key] = {
            "throughput_rps": summary["throughput_rps"],
            "throughput_ratio": round(summary["throughput_rps"] / base["throughput_rps"], 3)
            if summary["throughput_rps"] and base["throughput_rps"] else None,
            "latency_ms": summary["latency_ms"],
            "requests": summary["requests"],
            "db_queries": cost["db_queries"]["per_request"] if cost["db_queries"] else None,
            "redis_commands": cost["redis"]["commands_per_request"] if cost["redis"] else None,
            "redis_round_trips": cost["redis"]["round_trips_per_request"] if cost["redis"] else None,
            "redis_server_usec": {c: round(statistics.median(v), 2) for c, v in server[key].items()},
        }
    return rows


def rebuild_after_flush(states: dict, *, client, key: str, session_prefix: str) -> dict:
    """Lose the Redis copy (and the cached sessions), then serve both doors from `REBUILD_CLIENTS` in-process
    clients until the copy holds a lease again. Return how long that took and what the requests saw."""
    doors = [states[k] for k in DOORS]
    stale = list(client.scan_iter(match=f"{session_prefix}*", count=1000))
    # What FLUSHALL, a restart or an eviction does to the copy and the sessions (UNLINK: a DEL of a million-field
    # hash would block this shared Redis for longer than a socket timeout).
    client.unlink(key, *stale)
    latencies: list[float] = []
    errors: list[BaseException] = []
    done = threading.Event()
    lock = threading.Lock()
    started = time.perf_counter()

    def client_loop(offset: int) -> None:
        transport = InProcessTransport()
        mine = []
        try:
            number = offset
            while not done.is_set():
                state = doors[number % len(doors)]
                number += 1
                before = time.perf_counter()
                response = transport.request("GET", state.variant.path, state.credential.headers)
                mine.append(time.perf_counter() - before)
                if response.status != 200:
                    raise BenchError(f"GET {state.variant.path} answered {response.status} during the rebuild")
        except BaseException as exc:  # noqa: BLE001 - handed to the measuring thread, which raises it
            errors.append(exc)
            done.set()
        finally:
            connections.close_all()
            with lock:
                latencies.extend(mine)

    with override_settings(**_BOTH_DOORS):
        threads = [threading.Thread(target=client_loop, args=(i,), daemon=True) for i in range(REBUILD_CLIENTS)]
        for thread in threads:
            thread.start()
        leased_after = None
        while time.perf_counter() - started < REBUILD_TIMEOUT and not errors:
            if revocation.copy_lease_held(client, key):
                leased_after = time.perf_counter() - started
                break
            time.sleep(0.005)
        done.set()
        for thread in threads:
            thread.join()
    if errors:
        raise BenchError(f"during the rebuild: {errors[0]}")
    ordered = sorted(latencies)
    slowest_ms = round(ordered[-1] * 1000, 2) if ordered else None
    return {
        "leased_after_s": round(leased_after, 3) if leased_after is not None else None,
        "requests": len(ordered),
        "clients": REBUILD_CLIENTS,
        "latency_ms": {
            "p50": round(percentile(ordered, 50) * 1000, 2), "p99": round(percentile(ordered, 99) * 1000, 2),
            "max": slowest_ms,
        } if ordered else None,
        "goal": recovery_goal(leased_after, slowest_ms),
    }


def recovery_goal(leased_after_s: float | None, slowest_ms: float | None) -> dict:
    """Issue 20's recovery goal for a lost copy: a lease again within `RECOVERY_SECONDS`, and no request served
    meanwhile slower than `RECOVERY_SLOWEST_MS`; `met` says whether this rebuild reached both."""
    return {"leased_under_s": RECOVERY_SECONDS, "slowest_under_ms": RECOVERY_SLOWEST_MS,
            "met": leased_after_s is not None and leased_after_s < RECOVERY_SECONDS
            and slowest_ms is not None and slowest_ms < RECOVERY_SLOWEST_MS}


def http_clients(states: dict, *, clients: tuple[int, ...], seconds: float, rounds: int) -> list[dict]:
    """Throughput and latency over HTTP per number of concurrent clients, for the baseline and both doors.

    A client count whose requests failed (a timeout on a saturated machine) gets a row with `error` and no numbers.
    """
    rows = []
    keys = list(states)
    for count in clients:
        samples = {key: Samples() for key in states}
        try:
            for number in range(rounds):
                shift = number % len(keys)
                for key in keys[shift:] + keys[:shift]:
                    state = states[key]
                    run_slice(state.transport, state.variant.path, state.credential, samples[key],
                              seconds=seconds / rounds, max_requests=None, concurrency=count)
        except (BenchError, OSError) as exc:
            # A request that timed out at this load (the machine is shared) spoils this client count, not the run.
            rows.append({"clients": count, "error": str(exc), "variants": {
                key: {"throughput_rps": None, "throughput_ratio": None, "latency_ms": None} for key in keys}})
            continue
        summaries = {key: samples[key].summary() for key in keys}
        base = summaries[BASELINE]["throughput_rps"]
        rows.append({"clients": count, "variants": {
            key: {"throughput_rps": s["throughput_rps"],
                  "throughput_ratio": round(s["throughput_rps"] / base, 3) if base and s["throughput_rps"] else None,
                  "latency_ms": s["latency_ms"]}
            for key, s in summaries.items()}})
    return rows


def scale_labels() -> dict:
    return {key: BY_KEY[key].label for key in MEASURED}
