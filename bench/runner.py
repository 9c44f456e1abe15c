"""One benchmark run, start to finish: sandbox, logins, interleaved timed rounds, revocation, login cost, report.

Rounds interleave the variants (each round runs every variant for a slice, starting one further along), so a
noisy neighbour or a CPU frequency change lands on all of them alike — which is what makes the ratios to the
baseline, measured in the same rounds, meaningful on a shared machine.
"""

import contextlib
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.test import override_settings

from bench import report as reporting
from bench import scale as scaling
from bench.algorithms import algorithms_measure
from bench.credentials import LOGINS, BenchError, Credential, login_drf_token, login_jwt, login_session
from bench.instruments import CostMeter, summarize
from bench.measure import Samples, revocation_delay, run_slice
from bench.sandbox import bench_account, configured_database, redis_namespace, throwaway_database
from bench.servers import servers_running
from bench.transport import HOST, InProcessTransport, Transport, wire_request
from bench.variants import BASELINE, BY_KEY, SESSION_CACHE, VARIANTS, Variant
from denylist import revocation
from jwt_demo.tokens import ACCESS, codec, new_id

WARMUP_REQUESTS = 3
# The default run: 15 timed seconds per variant in 30 rounds of half a second, after one warm-up round. Measured on
# a 2-core machine shared with other busy processes (load average 6-9), embedded: two runs in a row, about 130 s
# each, ranked every pair of variants more than 10% apart alike, their CPU x within 0.011 of each other; at the
# former 3 s in 10 rounds the two session stores swapped places between runs.
DEFAULT_DURATION = 15.0
DEFAULT_ROUNDS = 30
COUNT_REQUESTS_OVER_HTTP = 20  # in-process requests that count queries and commands when timing over HTTP


@dataclass(frozen=True)
class Options:
    """How long and how a run measures. `duration` and `requests` bound each variant's timed requests (whichever
    comes first), split evenly over `rounds`; `requests=None` means time alone bounds them."""

    duration: float = DEFAULT_DURATION
    requests: int | None = None
    rounds: int = DEFAULT_ROUNDS
    logins: int = 3
    http: bool = False
    workers: int = 2
    concurrency: int = 2
    port: int = 0
    in_place: bool = False
    algorithms: bool = True
    only: tuple[str, ...] = ()
    scale: bool = False
    scale_sizes: tuple[int, ...] = scaling.SIZES
    scale_clients: tuple[int, ...] = scaling.CLIENTS
    scale_seconds: float = 1.5  # timed seconds per variant and size (and per variant and client count over HTTP)


@dataclass
class State:
    """One variant during a run."""

    variant: Variant
    transport: Transport | None = None
    credential: Credential | None = None
    samples: Samples = field(default_factory=Samples)
    meter: CostMeter | None = None
    skipped: str | None = None
    revocation: dict | None = None
    counts: list = field(default_factory=list)


def _redis_client():
    if not settings.REDIS_URL:
        return None
    from django_redis import get_redis_connection

    return get_redis_connection("default")


def _split(total: int | None, parts: int, index: int) -> int | None:
    if total is None:
        return None
    return total // parts + (1 if index < total % parts else 0)


def _simplejwt_refuses() -> str | None:
    """Tell why simplejwt's stock backend cannot verify Token Lab's access tokens here; None when it can.

    `SIMPLE_JWT` shares Token Lab's key, issuer and audience. With an asymmetric algorithm it would also need
    the public key itself in `VERIFYING_KEY` (Token Lab's settings hold a PEM path), so the variant is skipped.
    """
    import jwt
    from rest_framework_simplejwt.exceptions import TokenBackendError
    from rest_framework_simplejwt.state import token_backend

    token, _claims = codec.encode(token_type=ACCESS, user_id=1, family=new_id(), lifetime=60)
    try:
        token_backend.decode(token, verify=True)
    except (TokenBackendError, jwt.PyJWTError) as exc:
        return (f"skipped: simplejwt's stock backend cannot verify Token Lab's {settings.JWT_ALGORITHM} tokens "
                f"with SIMPLE_JWT as configured ({exc})")
    return None


PRECHECKS = {"jwt-simplejwt": _simplejwt_refuses}


def _skip_reason(variant: Variant, options: Options) -> str | None:
    if variant.needs_redis and not settings.REDIS_URL:
        return "skipped: needs Redis (set REDIS_URL=redis://host:port/db)"
    if options.http and variant.profile["SESSION_ENGINE"] == SESSION_CACHE and not settings.REDIS_URL:
        return "skipped over HTTP: without Redis the cache engine keeps sessions in each worker's own memory"
    precheck = PRECHECKS.get(variant.key)
    return precheck() if precheck else None


def _harness_overrides() -> dict:
    """Settings for the measuring process itself, the same for every variant."""
    hosts = list(settings.ALLOWED_HOSTS)
    return {
        "ROOT_URLCONF": "config.bench_urls",
        "DEBUG": False,  # no query log: a query costs what it costs in production
        "ALLOWED_HOSTS": hosts if HOST in hosts or "*" in hosts else [*hosts, HOST],
        "SECURE_SSL_REDIRECT": False,
        "LOGIN_RATE": "100000/min",  # logins are measured, not throttled
    }


class Run:
    """Carry one run's state; `execute()` returns the report (a JSON-ready dict).

    `progress(message, detail=False)` is told what happens; `detail` messages are frequent (one per slice).
    """

    def __init__(self, options: Options, progress=None):
        self.options = options
        self.progress = progress or (lambda message, detail=False: None)
        wanted = set(options.only) | {BASELINE} if options.only else None
        if wanted is not None and options.scale:
            wanted |= set(scaling.MEASURED)
        self.states = [State(v, skipped=_skip_reason(v, options)) for v in VARIANTS
                       if wanted is None or v.key in wanted]
        self.notes: list[str] = []
        self.scale: dict | None = None

    @property
    def active(self) -> list[State]:
        return [s for s in self.states if s.skipped is None]

    def execute(self) -> dict:
        started = time.perf_counter()
        database = configured_database if self.options.in_place else throwaway_database
        self.progress("preparing " + ("the configured database" if self.options.in_place
                                      else "a throwaway database (create + migrate)"))
        with contextlib.ExitStack() as stack:
            database_url = stack.enter_context(database())
            redis_overrides = stack.enter_context(redis_namespace())
            stack.enter_context(override_settings(**_harness_overrides(), **redis_overrides))
            account = stack.enter_context(bench_account())
            in_process = InProcessTransport()
            self._prepare(in_process, account)
            if self.options.http:
                profiles = {self._profile_key(s.variant): s.variant.environment() for s in self.active}
                self.progress(f"starting {len(profiles)} gunicorn server(s) on {HOST}")
                transports = stack.enter_context(servers_running(
                    profiles, database_url=database_url, redis_overrides=redis_overrides,
                    workers=self.options.workers, port=self.options.port))
                self._count_in_process(in_process)
                self._prepare_http(transports, account)
            self._rounds()
            if self.options.scale:
                self.scale = self._scale(stack, in_process, database_url, redis_overrides)
            self._revocations()
            self.notes += self._mode_notes()
            with override_settings(**BY_KEY[BASELINE].profile):
                login = self._logins(self.active[0].transport if self.options.http else in_process, account)
            algorithms = self._algorithms(account) if self.options.algorithms else []
        return reporting.report_build(
            rows=[self._row(s) for s in self.states], login=login, algorithms=algorithms,
            parameters=self._parameters(), notes=self.notes, seconds=time.perf_counter() - started,
            scale=self.scale,
        )

    # --- phases -------------------------------------------------------------------------------------------------
    @staticmethod
    def _profile_key(variant: Variant) -> str:
        return ",".join(f"{k}={v}" for k, v in sorted(variant.environment().items()))

    def _login(self, state: State, transport: Transport, account) -> None:
        login, _revoke = LOGINS[state.variant.login]
        with override_settings(**state.variant.profile):
            try:
                state.credential, _seconds = login(transport, account)
                state.transport = transport
                for _ in range(WARMUP_REQUESTS):
                    run_slice(transport, state.variant.path, state.credential, Samples(), seconds=0,
                              max_requests=1)
            except BenchError as exc:
                state.skipped = f"skipped: {exc}"

    def _prepare(self, transport: Transport, account) -> None:
        for state in self.active:
            self.progress(f"logging in: {state.variant.label}")
            self._login(state, transport, account)
        if not any(s.variant.key == BASELINE for s in self.active):
            raise BenchError("the baseline could not be measured; ratios would mean nothing")

    def _count_in_process(self, transport: Transport) -> None:
        """Over HTTP the server's queries happen in another process: count them on the same code in this one."""
        for state in self.active:
            with override_settings(**state.variant.profile):
                meter = CostMeter(_redis_client())
                with meter.active():
                    run_slice(transport, state.variant.path, state.credential, Samples(), seconds=60,
                              max_requests=COUNT_REQUESTS_OVER_HTTP, meter=meter)
                state.counts = meter.done

    def _prepare_http(self, transports: dict, account) -> None:
        for state in self.active:
            self.progress(f"logging in over HTTP: {state.variant.label}")
            self._login(state, transports[self._profile_key(state.variant)], account)

    def _warmup_round(self) -> None:
        """Run every variant for one slice that is not kept: the first slices after start-up run on cold caches
        (code paths, the database's pages, connections) and would pull the first round's ratios down."""
        seconds = self.options.duration / self.options.rounds
        budget = None if self.options.requests is None else max(1, self.options.requests // self.options.rounds)
        for state in self.active:
            self.progress(f"warm-up round · {state.variant.label}", detail=True)
            with override_settings(**state.variant.profile):
                run_slice(state.transport, state.variant.path, state.credential, Samples(), seconds=seconds,
                          max_requests=budget, concurrency=self.options.concurrency if self.options.http else 1)

    def _rounds(self) -> None:
        rounds = self.options.rounds
        self._warmup_round()
        for number in range(rounds):
            active = self.active
            shift = number % len(active)
            for state in active[shift:] + active[:shift]:
                budget = _split(self.options.requests, rounds, number)
                seconds = self.options.duration / rounds
                slices_before = len(state.samples.slices)
                with override_settings(**state.variant.profile):
                    if self.options.http:
                        run_slice(state.transport, state.variant.path, state.credential, state.samples,
                                  seconds=seconds, max_requests=budget, concurrency=self.options.concurrency)
                    else:
                        meter = CostMeter(_redis_client())
                        with meter.active():
                            run_slice(state.transport, state.variant.path, state.credential, Samples(),
                                      seconds=0, max_requests=1)  # re-warm after the settings switch
                            run_slice(state.transport, state.variant.path, state.credential, state.samples,
                                      seconds=seconds, max_requests=budget, meter=meter)
                        state.counts += meter.done[1:]
                state.samples.mark_round(number, slices_before)
                self.progress(f"round {number + 1}/{rounds} · {state.variant.label} · "
                              f"{state.samples.requests} requests", detail=True)
            self.progress(f"round {number + 1}/{rounds} done · "
                          f"{sum(s.samples.requests for s in active)} timed requests so far")

    def _scale(self, stack, in_process: Transport, database_url: str, redis_overrides: dict) -> dict:
        """Measure how cost grows with the number of live revocation entries (see bench.scale)."""
        o = self.options
        states = {s.variant.key: s for s in self.active if s.variant.key in scaling.MEASURED}
        if not settings.REDIS_URL:
            return {"skipped": "skipped: needs Redis (set REDIS_URL=redis://host:port/db)"}
        if set(states) != set(scaling.MEASURED):
            missing = ", ".join(sorted(set(scaling.MEASURED) - set(states)))
            return {"skipped": f"skipped: {missing} could not be measured"}
        client = _redis_client()  # the application's client: what the doors' requests use, and what is counted
        # Seeding, MEMORY USAGE of a million-field hash and the flush can outlast the application's socket timeout
        # on a busy machine: they go through a client of their own.
        admin = stack.enter_context(contextlib.closing(scaling.admin_client()))
        key = settings.REVOCATION_REDIS_KEY
        session_keys = f"{settings.CACHES['default'].get('KEY_PREFIX', '')}:*:sess:*"
        local = {k: State(s.variant, transport=in_process, credential=s.credential) for k, s in states.items()}
        sizes, entries = [], 0
        try:
            for size in sorted(o.scale_sizes):
                self.progress(f"scale: {size} revocation entries (seeding)")
                seconds = scaling.seed(start=entries, stop=size, client=admin, key=key)
                entries = max(entries, size)
                self.progress(f"scale: {size} revocation entries (per-request cost)")
                row = {"entries": size, "seed_s": round(seconds, 2),
                       "per_request": scaling.per_request(local, seconds=o.scale_seconds,
                                                          rounds=max(1, min(o.rounds, 3)), client=client)}
                row["memory"] = scaling.redis_memory(admin, key)
                self.progress(f"scale: {size} revocation entries (rebuild after a flush)")
                row["rebuild"] = scaling.rebuild_after_flush(local, client=admin, key=key,
                                                             session_prefix=session_keys)
                sizes.append(row)
            http = self._scale_http(stack, states, database_url, redis_overrides, entries)
        finally:
            scaling.unseed(admin, key)
        return {"sizes": sizes, "http": http, "lease_seconds": settings.REVOCATION_LEASE_SECONDS,
                "rebuild_chunk": revocation.copy_rebuild_chunk(),
                "labels": scaling.scale_labels(), "doors": list(scaling.DOORS)}

    def _scale_http(self, stack, states: dict, database_url: str, redis_overrides: dict, entries: int) -> dict:
        o = self.options
        if o.http:
            transports = {k: s for k, s in states.items()}
        else:
            profiles = {self._profile_key(s.variant): s.variant.environment() for s in states.values()}
            self.progress(f"scale: starting {len(profiles)} gunicorn server(s) on {HOST}")
            servers = stack.enter_context(servers_running(
                profiles, database_url=database_url, redis_overrides=redis_overrides, workers=o.workers,
                port=o.port))
            # The credentials made in this process work on the servers: same database, same Redis keys.
            transports = {k: State(s.variant, transport=servers[self._profile_key(s.variant)],
                                   credential=s.credential) for k, s in states.items()}
        rows = []
        for clients in o.scale_clients:
            self.progress(f"scale: HTTP, {clients} concurrent client(s)")
            rows += scaling.http_clients(transports, clients=(clients,), seconds=o.scale_seconds * 2, rounds=2)
        return {"entries": entries, "workers": o.workers, "rows": rows}

    def _revocations(self) -> None:
        for state in self.active:
            self.progress(f"revocation delay: {state.variant.label}")
            _login, revoke = LOGINS[state.variant.login]
            with override_settings(**state.variant.profile):
                state.revocation = revocation_delay(state.transport, state.variant.path, state.credential, revoke)

    def _logins(self, transport: Transport, account) -> list[dict]:
        """Time the password-checking request of each door's login, apart from the steady state."""
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.get(pk=account.user_id)
        hash_seconds = []
        for _ in range(self.options.logins):
            started = time.perf_counter()
            user.check_password(account.password)
            hash_seconds.append(time.perf_counter() - started)
        rows = []
        for door, label, login in (("session", "session door: POST /session/login/", login_session),
                                   ("jwt", "JWT door: POST /jwt/token/", login_jwt),
                                   ("drf-token", "DRF: POST obtain_auth_token", login_drf_token)):
            self.progress(f"login cost: {label}")
            seconds = [login(transport, account)[1] for _ in range(self.options.logins)]
            rows.append({"door": door, "label": label, "samples": len(seconds),
                         "ms": reporting.stats_ms(seconds)})
        rows.append({"door": "hash", "label": "password hash alone (check_password)", "samples": len(hash_seconds),
                     "ms": reporting.stats_ms(hash_seconds)})
        return rows

    def _algorithms(self, account) -> list[dict]:
        return algorithms_measure(user_id=account.user_id, path=BY_KEY["jwt-stateless"].path,
                                  rounds=self.options.rounds, progress=self.progress)

    def _mode_notes(self) -> list[str]:
        if not self.options.http:
            return ["One client, one request at a time: every request also carries the test Client's own overhead, "
                    "the same for every variant, so the ratios understate the differences between auth methods."]
        return [f"{self.options.concurrency} client thread(s), {self.options.workers} sync gunicorn worker(s) per "
                "server, a new TCP connection per request (sync workers do not keep connections alive).",
                "The servers are other processes: DB queries and Redis commands were counted in this process on "
                f"the same code, settings and data ({COUNT_REQUESTS_OVER_HTTP} requests per variant)."]

    # --- report rows --------------------------------------------------------------------------------------------
    def _row(self, state: State) -> dict:
        variant = state.variant
        row = {"key": variant.key, "label": variant.label, "door": variant.door, "path": variant.path,
               "explain": variant.explain, "settings": variant.profile, "skipped": state.skipped}
        if state.skipped:
            return row
        row.update(state.samples.summary())
        row.update(summarize(state.counts))
        row["bytes"] = {"credential": len(state.credential.value),
                        "request": len(wire_request("GET", variant.path, state.credential.headers))}
        row["revocation"] = state.revocation
        return row

    def _parameters(self) -> dict:
        o = self.options
        return {"mode": "http" if o.http else "in-process", "duration_s": o.duration, "requests": o.requests,
                "rounds": o.rounds, "logins": o.logins, "workers": o.workers if o.http else None,
                "concurrency": o.concurrency if o.http else 1, "throwaway_database": not o.in_place,
                "scale": o.scale}


def run(options: Options, progress=None) -> dict:
    """Run the benchmark and return its report."""
    return Run(options, progress).execute()
