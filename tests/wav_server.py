"""A tiny stand-in for the carrier's recording store: WAVs behind HTTP basic auth.

Tests that need a downloadable recording without placing a call put WAV bytes here and
hand `url(sid)` to the app as the RecordingUrl (the app appends `.wav`, as for Twilio).
"""

from __future__ import annotations

import socket
import threading

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


class WavServer:
    def __init__(self, account_sid: str, auth_token: str) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.credentials = (account_sid, auth_token)
        self.recordings: dict[str, bytes] = {}
        self.fetches: list[tuple[str, bool]] = []  # (path, authenticated)
        self._server = make_server("127.0.0.1", self.port, self._app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> WavServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()

    def url(self, sid: str) -> str:
        return f"http://127.0.0.1:{self.port}/Recordings/{sid}"

    def put(self, sid: str, wav: bytes) -> str:
        self.recordings[sid] = wav
        return self.url(sid)

    @Request.application
    def _app(self, request: Request) -> Response:
        auth = request.authorization
        ok = bool(auth and (auth.username, auth.password) == self.credentials)
        self.fetches.append((request.path, ok))
        if not ok:
            return Response("Authenticate", status=401)
        sid = request.path.rsplit("/", 1)[-1].removesuffix(".wav")
        if not request.path.endswith(".wav") or sid not in self.recordings:
            return Response("not found", status=404)
        return Response(self.recordings[sid], mimetype="audio/wav")
