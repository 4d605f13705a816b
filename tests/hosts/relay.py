"""A TCP relay for the two-host test: `python relay.py LISTEN=TARGET[/USER_TIMEOUT_MS] ...`.

Why it exists: a worker "host" is a network namespace whose own 127.0.0.1 is not the
machine's, yet its workers must use the very URLs of the test app (a loopback carrier
is what keeps them off the live guard, ivr.live) and PostgreSQL trusts 127.0.0.1 only.
So each namespace runs one relay from its 127.0.0.1 ports to the machine's end of its
veth link, and the machine runs one from that address to its own 127.0.0.1. The only
path between them is the veth link, which the test cuts.

The relay must not make a cut gentler than it is: what the worker sends into the
relay's upstream socket is queued there exactly as in the worker's own kernel without
a relay. So an upstream socket takes the option the client's socket would have had
(`/USER_TIMEOUT_MS`: TCP_USER_TIMEOUT, which domain.carrier sets on its connections to
the carrier), and a client's close becomes a half-close upstream, as the kernel would do
it: bytes already queued are still delivered when the link returns. Imports nothing of
the project; prints "ready" once every port listens.
"""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import sys
import threading

BUFFER = 65536


def _address(text: str) -> tuple[str, int]:
    host, port = text.rsplit(":", 1)
    return host, int(port)


def _pipe(source: socket.socket, sink: socket.socket, on_eof) -> None:
    try:
        while data := source.recv(BUFFER):
            sink.sendall(data)
        on_eof()
    except OSError:
        for sock in (source, sink):  # one side failed: the other learns it as a reset
            _abort(sock)


def _hung_up(sock: socket.socket) -> bool:
    """The peer has closed its end (it may have left bytes behind, unread)."""
    poller = select.poll()
    poller.register(sock, select.POLLRDHUP)
    return any(events & (select.POLLRDHUP | select.POLLHUP) for _, events in poller.poll(0))


def _abort(sock: socket.socket) -> None:
    """Close with a reset, dropping whatever is still queued."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()


def _half_close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_WR)


def _serve(client: socket.socket, target: tuple[str, int], user_timeout_ms: int) -> None:
    upstream = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if user_timeout_ms:
        upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT, user_timeout_ms)
        upstream.settimeout(user_timeout_ms / 1000)
    try:
        upstream.connect(target)
    except OSError:
        _abort(client)
        upstream.close()
        return
    upstream.settimeout(None)
    if _hung_up(client):
        # Without the relay the client's connect would still have been pending, and its
        # request never sent: a client that gave up meanwhile sends nothing now.
        _abort(upstream)
        _abort(client)
        return
    threading.Thread(target=_pipe, args=(upstream, client, lambda: _half_close(client)),
                     daemon=True).start()
    _pipe(client, upstream, lambda: _half_close(upstream))


def _listen(listen: tuple[str, int], target: tuple[str, int], user_timeout_ms: int,
            ready: threading.Barrier) -> None:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(listen)
    server.listen(512)
    ready.wait()
    while True:
        client, _ = server.accept()
        threading.Thread(target=_serve, args=(client, target, user_timeout_ms),
                         daemon=True).start()


def main(routes: list[str]) -> None:
    ready = threading.Barrier(len(routes) + 1)
    for route in routes:
        listen, _, rest = route.partition("=")
        target, _, timeout = rest.partition("/")
        threading.Thread(target=_listen, daemon=True, args=(
            _address(listen), _address(target), int(timeout or 0), ready)).start()
    ready.wait()
    print("ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main(sys.argv[1:])
