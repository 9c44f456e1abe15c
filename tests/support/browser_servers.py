"""Servers for browser tests on this suite's own loopback ports (18300-18379), never a random one."""

from contextlib import contextmanager

from pytest_django.live_server_helper import LiveServer

from tests.support.loopback import bind_first_free, serving
from workshop.crossorigin import DemoServer

LIVE_PORTS = range(18300, 18340)


@contextmanager
def live_site():
    """Run Token Lab in a thread on the first free port of LIVE_PORTS; yield the LiveServer (`.url`)."""
    last_error = None
    for port in LIVE_PORTS:
        try:
            server = LiveServer(f"127.0.0.1:{port}")
        except OSError as exc:  # taken by another process: try the next one
            last_error = exc
            continue
        try:
            yield server
        finally:
            server.stop()
        return
    raise RuntimeError(f"no free port in {LIVE_PORTS}: {last_error}")


DEMO_PORTS = range(18340, 18380)


@contextmanager
def cross_origin_demo(api_origin: str):
    """Serve the cross-origin demo page on the first free port of DEMO_PORTS; yield the DemoServer (`.origin`)."""
    server = bind_first_free(DEMO_PORTS, lambda port: DemoServer(host="127.0.0.1", port=port, api_origin=api_origin))
    with serving(server):
        yield server
