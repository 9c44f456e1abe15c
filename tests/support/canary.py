"""A loopback listener that counts connections: proof that a token header never makes the server call out."""

import socket

PORTS = range(18380, 18400)  # this suite's share of loopback ports for listeners


class Canary:
    """Listen on 127.0.0.1 without ever answering; `connections()` counts every client that connected.

    No thread is needed: the kernel completes a TCP handshake into the backlog before anyone calls accept(), so
    any connection attempted while a request was being served is waiting there by the time the response is back.
    """

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        for port in PORTS:
            try:
                self.sock.bind(("127.0.0.1", port))
                break
            except OSError:
                continue
        else:
            raise RuntimeError(f"no free loopback port in {PORTS}")
        self.sock.listen(64)
        self.sock.setblocking(False)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/jwks.json"
        self._count = 0

    def connections(self) -> int:
        while True:
            try:
                conn, _ = self.sock.accept()
            except BlockingIOError:
                return self._count
            conn.close()
            self._count += 1

    def close(self) -> None:
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
