"""A loopback HTTP server serving a folder, for download tests (no real network).

``serve_folder(folder, truncate={"name"}, drip={"name": seconds})`` runs ``http.server``
on 127.0.0.1 (random free port) in a daemon thread and yields its base URL; files named
in ``truncate`` are sent with their full Content-Length but only half of their bytes
before the connection is closed; files named in ``drip`` are sent one byte every
``seconds`` (a server that stalls without ever going silent for long). The server is
shut down when the ``with`` block ends. ``server.paths`` records every requested path.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class _Handler(SimpleHTTPRequestHandler):
    timeout = (
        5  # seconds a connection may sit idle: keeps a stuck client from hanging a test
    )

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        self.server.paths.append(self.path)
        name = self.path.rsplit("/", 1)[-1]
        if name in self.server.drip:
            self._drip(Path(self.directory, name).read_bytes(), self.server.drip[name])
            return
        if name in self.server.truncate:
            data = (Path(self.directory) / name).read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        super().do_GET()

    def _drip(self, data: bytes, seconds: float) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.close_connection = True
        for i in range(len(data)):
            if self.server.stopping.wait(seconds):  # the server is shutting down
                return
            try:
                self.wfile.write(data[i : i + 1])
                self.wfile.flush()
            except OSError:  # the client gave up
                return


@contextlib.contextmanager
def serve_folder(folder, *, truncate=(), drip=None):
    """Serve ``folder`` on ``http://127.0.0.1:<port>``; yield ``(base_url, server)``."""
    handler = functools.partial(_Handler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.paths, server.truncate, server.drip = [], set(truncate), dict(drip or {})
    server.stopping = threading.Event()
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", server
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
