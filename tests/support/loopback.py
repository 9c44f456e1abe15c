"""Run small real servers in a thread on a fixed range of loopback ports (never a random one)."""

import threading
from contextlib import contextmanager


def bind_first_free(ports: range, factory):
    """Return `factory(port)` for the first port of `ports` that is free."""
    for port in ports:
        try:
            return factory(port)
        except OSError:  # taken by another process: try the next one
            continue
    raise RuntimeError(f"no free port in {ports}")


@contextmanager
def serving(server):
    """Serve `server.serve_forever` in a daemon thread for the duration of the block, then shut it down."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
