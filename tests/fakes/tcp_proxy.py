"""A TCP proxy in the test process, in front of a real server, that can turn into a black hole.

``black_hole()`` plays a network that drops every packet: connections, old and new, stay open,
but nothing sent either way arrives. (The proxy's own kernel still acknowledges what it
receives, so only a client's own timeouts, not TCP's, can notice.)
"""

import select
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress


class TcpProxy:
    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._black_hole = threading.Event()
        self._closed = threading.Event()
        self._sockets: list[socket.socket] = [self._listener]
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, name="tcp-proxy", daemon=True).start()

    def black_hole(self) -> None:
        """From now on, forward nothing; accept new connections and leave them unanswered."""
        self._black_hole.set()

    def close(self) -> None:
        """Close every connection, so the server sees its clients go."""
        self._closed.set()
        with self._lock:
            for sock in self._sockets:
                _close(sock)

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = None
            if not self._black_hole.is_set():
                try:
                    server = socket.create_connection(self.upstream, timeout=5)
                except OSError:
                    _close(client)
                    continue
            with self._lock:
                self._sockets += [client] + ([server] if server else [])
            threading.Thread(
                target=self._pump, args=(client, server), name="tcp-proxy-pump", daemon=True
            ).start()

    def _pump(self, client: socket.socket, server: socket.socket | None) -> None:
        ends = [client] + ([server] if server else [])
        try:
            while not self._closed.is_set():
                readable, _, _ = select.select(ends, [], [], 0.05)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    if self._black_hole.is_set() or server is None:
                        continue  # dropped on the way
                    (server if sock is client else client).sendall(data)
        except OSError:
            return
        finally:
            for sock in ends:
                _close(sock)


def _close(sock: socket.socket) -> None:
    with suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


@contextmanager
def running_tcp_proxy(host: str, port: int) -> Iterator[TcpProxy]:
    proxy = TcpProxy((host, port))
    try:
        yield proxy
    finally:
        proxy.close()
