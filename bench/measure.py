"""Time requests and revocations: timed slices, latency percentiles, and "revoke → first refusal".

A slice sends the same request over and over until its time or request budget runs out, and keeps one latency
per request. Any answer other than 200 stops the run: a benchmark of error pages measures the wrong thing.
"""

import math
import statistics
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus

from bench.credentials import BenchError, Credential
from bench.instruments import CostMeter
from bench.transport import Transport

PROBES_AFTER_REVOKE = 3


@dataclass
class Samples:
    """Everything timed for one variant, accumulated over its slices."""

    latencies: list[float] = field(default_factory=list)  # seconds, one per timed request
    slices: list[tuple[int, float]] = field(default_factory=list)  # (requests, wall seconds) per slice
    cpu: list[float] = field(default_factory=list)  # CPU seconds of this process per request, one per slice
    # Per interleaved round: {round number: (req/s, CPU seconds per request or None)}. The variants' slices of one
    # round ran seconds apart, so the ratio of two of them is what a drifting neighbour disturbs least.
    by_round: dict[int, tuple[float, float | None]] = field(default_factory=dict)

    @property
    def requests(self) -> int:
        return len(self.latencies)

    def add_slice(self, requests: int, seconds: float) -> None:
        if requests and seconds > 0:
            self.slices.append((requests, seconds))

    def mark_round(self, number: int, slices_before: int) -> None:
        """Remember the rate (and CPU per request) of the slice round `number` added, if it added one."""
        if len(self.slices) > slices_before:
            requests, seconds = self.slices[-1]
            cpu = self.cpu[-1] if len(self.cpu) == len(self.slices) else None
            self.by_round[number] = (requests / seconds, cpu)

    def summary(self) -> dict:
        """Return throughput (req/s) and latency percentiles (ms); None values when nothing was timed.

        `throughput_rps` is the median of the slices' rates: a burst of noise from a neighbour spoils a slice or
        two, not the variant. `throughput_rps_total` is all requests over all timed seconds; `slice_rps` lists
        every slice's rate, so the spread is there to see; `round_rps` and `round_cpu_us` give them by interleaved
        round (None for a round that timed nothing), which the report divides round by round by the baseline's.
        In-process, `cpu_us_per_request` is the median over slices of this process's CPU time per request: what a
        busy neighbour cannot inflate (it leaves out the database's and Redis's own work, and time spent waiting
        for them).
        """
        if not self.latencies or not self.slices:
            return {"requests": 0, "throughput_rps": None, "latency_ms": None}
        ordered = sorted(self.latencies)
        rates = [requests / seconds for requests, seconds in self.slices]
        cpu = {"cpu_us_per_request": round(statistics.median(self.cpu) * 1e6, 1)} if self.cpu else {}
        rounds = range(max(self.by_round) + 1) if self.by_round else range(0)
        return cpu | {
            "round_rps": [round(self.by_round[n][0], 2) if n in self.by_round else None for n in rounds],
            "round_cpu_us": [round(self.by_round[n][1] * 1e6, 2) if n in self.by_round and self.by_round[n][1]
                             else None for n in rounds],
            "requests": len(ordered),
            "throughput_rps": round(statistics.median(rates), 2),
            "throughput_rps_total": round(sum(r for r, _s in self.slices) / sum(s for _r, s in self.slices), 2),
            "slice_rps": [round(rate, 1) for rate in rates],
            "latency_ms": {f"p{p}": round(percentile(ordered, p) * 1000, 4) for p in (50, 95, 99)}
            | {"mean": round(sum(ordered) / len(ordered) * 1000, 4)},
        }


def percentile(ordered: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list (p in 0..100]: an observed value, never an interpolation."""
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def _check(response, path: str) -> None:
    if response.status != HTTPStatus.OK:
        raise BenchError(f"GET {path} answered HTTP {response.status}, not 200: {response.body[:200]!r}")


def run_slice(transport: Transport, path: str, credential: Credential, samples: Samples, *, seconds: float,
              max_requests: int | None, meter: CostMeter | None = None, concurrency: int = 1) -> None:
    """Send `GET path` with the credential until `seconds` pass or `max_requests` were sent; add to `samples`.

    With a `meter`, each request's queries and Redis commands are counted (in-process only: they happen in
    this process). With `concurrency` > 1, that many threads send requests at once (HTTP only).
    """
    if max_requests == 0:
        return
    if concurrency > 1:
        return _run_concurrent(transport, path, credential, samples, seconds, max_requests, concurrency)
    latencies = samples.latencies
    started = time.perf_counter()
    cpu_started = time.process_time()
    deadline = started + seconds
    sent = 0
    while True:
        before = time.perf_counter()
        if meter is not None:
            with meter.request():
                response = transport.request("GET", path, credential.headers)
        else:
            response = transport.request("GET", path, credential.headers)
        after = time.perf_counter()
        _check(response, path)
        latencies.append(after - before)
        sent += 1
        if after >= deadline or (max_requests is not None and sent >= max_requests):
            break
    samples.add_slice(sent, time.perf_counter() - started)
    if transport.name == "in-process" and sent:
        samples.cpu.append((time.process_time() - cpu_started) / sent)


def _run_concurrent(transport, path, credential, samples, seconds, max_requests, concurrency) -> None:
    lock = threading.Lock()
    budget = [max_requests]
    errors: list[Exception] = []
    before_count = len(samples.latencies)
    started = time.perf_counter()
    deadline = started + seconds

    def worker():
        mine = []
        try:
            while not errors:
                with lock:
                    if budget[0] is not None:
                        if budget[0] <= 0:
                            break
                        budget[0] -= 1
                before = time.perf_counter()
                response = transport.request("GET", path, credential.headers)
                after = time.perf_counter()
                _check(response, path)
                mine.append(after - before)
                if after >= deadline:
                    break
        except (BenchError, OSError) as exc:
            errors.append(exc)
        with lock:
            samples.latencies.extend(mine)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    samples.add_slice(len(samples.latencies) - before_count, time.perf_counter() - started)
    if errors:
        raise BenchError(str(errors[0]))


def revocation_delay(transport: Transport, path: str, credential: Credential, revoke) -> dict:
    """Revoke the credential, then request until it is refused; say how many requests and how long it took.

    `refused_after_ms` runs from the start of the revoking request to the end of the first refused one.
    A credential still accepted after PROBES_AFTER_REVOKE requests is reported as living until its `exp`.
    """
    if revoke is None:
        return {"kind": "none", "summary": "no credential"}
    started = time.perf_counter()
    revoke(transport, credential)
    revoked_at = time.time()
    accepted = 0
    for _ in range(PROBES_AFTER_REVOKE):
        response = transport.request("GET", path, credential.headers)
        if response.status != HTTPStatus.OK:
            elapsed_ms = round((time.perf_counter() - started) * 1000, 2)
            return {"kind": "refused", "accepted_after_revoke": accepted, "refused_after_ms": elapsed_ms,
                    "refused_status": response.status,
                    "summary": f"{accepted} requests, {elapsed_ms:.1f} ms"}
        accepted += 1
    if credential.expires_at is not None:
        left = max(0, round(credential.expires_at - revoked_at))
        return {"kind": "until_exp", "accepted_after_revoke": accepted, "until_exp_s": left,
                "summary": f"until exp: {left} s"}
    return {"kind": "not_refused", "accepted_after_revoke": accepted,
            "summary": f"still accepted after {accepted} requests"}
