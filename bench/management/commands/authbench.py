"""`manage.py authbench`: measure every way of proving identity, on one machine, in one run, against a baseline."""

import warnings
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bench.credentials import BenchError
from bench.report import latest_report_path, report_save
from bench.runner import DEFAULT_DURATION, DEFAULT_ROUNDS, Options, run
from bench.scale import CLIENTS, SIZES
from bench.table import report_text
from bench.variants import VARIANTS


def _positive(kind):
    def parse(text: str):
        value = kind(text)
        if value <= 0:
            raise ValueError(text)
        return value

    parse.__name__ = kind.__name__
    return parse


def _sizes(text: str) -> tuple[int, ...]:
    values = tuple(int(part) for part in text.split(","))
    if not values or any(v <= 0 for v in values):
        raise ValueError(text)
    return values


_sizes.__name__ = "list of positive integers"


class Command(BaseCommand):
    help = ("Benchmark the session door, the JWT door (stateless, simplejwt, with revocation) and DRF's "
            "TokenAuthentication against an unauthenticated baseline: throughput, latency percentiles, DB queries "
            "and Redis commands per request, bytes, revocation delay, login cost. Prints ratios to the baseline; "
            "saves the report for /workshop/bench/.")

    def add_arguments(self, parser):
        parser.add_argument("--duration", type=_positive(float), default=DEFAULT_DURATION,
                            help=f"timed seconds per variant, split over the rounds (default {DEFAULT_DURATION:g}: "
                                 "long enough that two runs on a busy 2-core machine rank variants more than 10%% "
                                 "apart alike; a shorter run shows wider spreads and ranks less)")
        parser.add_argument("--requests", type=_positive(int), default=None,
                            help="at most this many timed requests per variant (default: time alone bounds them)")
        parser.add_argument("--rounds", type=_positive(int), default=DEFAULT_ROUNDS,
                            help="interleaved rounds over all variants; each gives every variant a slice of "
                                 f"duration/rounds seconds, and every ratio is reported with its spread over them "
                                 f"(default {DEFAULT_ROUNDS})")
        parser.add_argument("--logins", type=_positive(int), default=3,
                            help="logins timed per door, apart from the steady state (default 3)")
        parser.add_argument("--json", metavar="FILE", help="also write the JSON report to FILE")
        parser.add_argument("--no-save", action="store_true",
                            help="do not replace the latest report shown at /workshop/bench/")
        parser.add_argument("--only", action="append", choices=[v.key for v in VARIANTS], default=[],
                            help="measure only this variant (repeatable; the baseline is always measured)")
        parser.add_argument("--no-algorithms", action="store_true", help="skip the HS256/RS256/ES256/EdDSA section")
        scale = parser.add_argument_group("how cost grows")
        scale.add_argument("--scale", action="store_true",
                           help="also measure per-request cost, Redis memory and rebuild time with 10^2, 10^4 and "
                                "10^6 live revocation entries, and HTTP throughput with 1-16 clients (needs Redis; "
                                "starts gunicorn servers on 127.0.0.1 unless --http already does)")
        scale.add_argument("--scale-sizes", type=_sizes, default=None, metavar="N,N,...",
                           help="numbers of live revocation entries (default 100,10000,1000000)")
        scale.add_argument("--scale-clients", type=_sizes, default=None, metavar="N,N,...",
                           help="concurrent HTTP clients (default 1,2,4,8,16)")
        scale.add_argument("--scale-seconds", type=_positive(float), default=1.5,
                           help="timed seconds per variant at each size and client count (default 1.5)")
        parser.add_argument("--in-place", action="store_true",
                            help="use the configured database instead of a throwaway one (the bench account "
                                 "and its rows are deleted afterwards)")
        http = parser.add_argument_group("over HTTP")
        http.add_argument("--http", action="store_true",
                          help="time requests over HTTP against gunicorn servers started on 127.0.0.1")
        http.add_argument("--workers", type=_positive(int), default=2, help="gunicorn workers per server (2)")
        http.add_argument("--concurrency", type=_positive(int), default=2, help="client threads (2)")
        http.add_argument("--port", type=int, default=0,
                          help="first port to try for the servers (default: any free port)")
        parser.add_argument("--allow-production", action="store_true",
                            help="allow --in-place or --http with DEBUG off (they serve a door that checks nothing)")

    def handle(self, *args, **options):
        # Both modes mount the baseline door, which takes the caller's word (`X-Bench-User`) for who it is:
        # `--in-place` against the configured database, `--http` on loopback ports any local process can reach.
        # `--scale` starts the same servers for its HTTP part.
        if (options["in_place"] or options["http"]) and not settings.DEBUG and not options["allow_production"]:
            raise CommandError("--in-place and --http serve an unauthenticated benchmark door (X-Bench-User); with "
                               "DEBUG off they are refused. Run with DEBUG=1, or pass --allow-production if this "
                               "is not a production server.")
        if options["scale"] and not settings.DEBUG and not options["allow_production"]:
            raise CommandError("--scale serves an unauthenticated benchmark door (X-Bench-User) over HTTP on "
                               "127.0.0.1; with DEBUG off it is refused. Run with DEBUG=1, or pass "
                               "--allow-production if this is not a production server.")
        run_options = Options(
            duration=options["duration"], requests=options["requests"], rounds=options["rounds"],
            logins=options["logins"], http=options["http"], workers=options["workers"],
            concurrency=options["concurrency"], port=options["port"], in_place=options["in_place"],
            algorithms=not options["no_algorithms"], only=tuple(options["only"]), scale=options["scale"],
            scale_sizes=options["scale_sizes"] or SIZES, scale_clients=options["scale_clients"] or CLIENTS,
            scale_seconds=options["scale_seconds"],
        )
        interactive = hasattr(self.stderr, "isatty") and self.stderr.isatty()

        def progress(message: str, detail: bool = False) -> None:
            if interactive:
                self.stderr.write(f"\r\033[K authbench: {message}", ending="")
                self.stderr.flush()
            elif not detail:
                self.stderr.write(f"authbench: {message}")

        try:
            with warnings.catch_warnings():
                # whitenoise warns once that STATIC_ROOT was never collected; irrelevant to an API benchmark.
                warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
                report = run(run_options, progress=progress)
        except BenchError as exc:
            raise CommandError(f"authbench stopped: {exc}") from None
        finally:
            if interactive:
                self.stderr.write("\r\033[K", ending="")
        self.stdout.write(report_text(report), ending="")
        if options["json"]:
            report_save(report, Path(options["json"]))
            self.stdout.write(f"JSON report written to {options['json']}")
        if not options["no_save"]:
            report_save(report, latest_report_path())
            self.stdout.write(f"latest report saved to {latest_report_path()} (shown at /workshop/bench/)")
