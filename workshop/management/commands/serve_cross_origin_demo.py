"""`manage.py serve_cross_origin_demo`: serve the cross-origin demo page from a second loopback origin."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from workshop.crossorigin import DemoConfigError, DemoServer


class Command(BaseCommand):
    help = ("Serve a page on another loopback port that calls Token Lab's JWT API with a Bearer token (CORS). "
            "Stop with Ctrl-C.")

    def add_arguments(self, parser):
        parser.add_argument("--api", default="http://127.0.0.1:8000",
                            help="origin of the running Token Lab (default: http://127.0.0.1:8000)")
        parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default: 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8001, help="port of the demo's origin (default: 8001)")

    def handle(self, *args, api, host, port, **options):
        if not 0 < port < 65536:
            raise CommandError("--port must be between 1 and 65535.")
        try:
            server = DemoServer(host=host, port=port, api_origin=api)
        except DemoConfigError as exc:
            raise CommandError(f"{exc}.") from None
        except OSError as exc:
            raise CommandError(f"Cannot listen on {host}:{port}: {exc.strerror}.") from None
        server.verbose = options["verbosity"] > 1
        self.stdout.write(f"Cross-origin demo on {server.origin}/ calling the API at {server.api_origin}.")
        if server.origin not in settings.CORS_ALLOWED_ORIGINS:
            self.stdout.write(self.style.WARNING(
                f"This origin is not in CORS_ALLOWED_ORIGINS, so the browser will block the page's calls. Start "
                f"Token Lab with CORS_ALLOWED_ORIGINS={server.origin} to allow them (and without, to see the block)."))
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")
        finally:
            server.server_close()
