"""A tiny stand-in for the carrier's recording store: WAVs behind HTTP basic auth.

Tests that need a downloadable recording without placing a call put WAV bytes here and
hand `url(sid)` to the app as the RecordingUrl (the app appends `.wav`, as for Twilio).
It also records whether each request carried an Authorization header at all (`seen`),
can redirect a recording elsewhere, stream one without a length, or drip it slowly
(64 bytes at a time).
"""

from __future__ import annotations

import socket
import threading
import time

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


class WavServer:
    def __init__(self, account_sid: str, auth_token: str, public: bool = False) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.credentials = (account_sid, auth_token)
        self.public = public  # serve without asking for credentials (a CDN, say)
        self.recordings: dict[str, bytes] = {}
        self.fetches: list[tuple[str, bool]] = []  # (path, authenticated)
        self.seen: list[tuple[str, bool]] = []  # (path, any Authorization header sent)
        self.redirects: dict[str, str] = {}  # sid -> Location
        self.streamed: set[str] = set()  # sids sent chunked, without Content-Length
        self.drip_s: dict[str, float] = {}  # sid -> pause between single bytes
        self._server = make_server("127.0.0.1", self.port, self._app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> WavServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, sid: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}/Recordings/{sid}"

    def clear(self) -> None:
        for collection in (self.recordings, self.fetches, self.seen, self.redirects,
                           self.streamed, self.drip_s):
            collection.clear()

    def put(self, sid: str, wav: bytes) -> str:
        self.recordings[sid] = wav
        return self.url(sid)

    @Request.application
    def _app(self, request: Request) -> Response:
        auth = request.authorization
        ok = bool(auth and (auth.username, auth.password) == self.credentials)
        self.fetches.append((request.path, ok))
        self.seen.append((request.path, "Authorization" in request.headers))
        if not ok and not self.public:
            return Response("Authenticate", status=401)
        sid = request.path.rsplit("/", 1)[-1].removesuffix(".wav")
        if sid in self.redirects:
            return Response(status=302, headers={"Location": self.redirects[sid]})
        if not request.path.endswith(".wav") or sid not in self.recordings:
            return Response("not found", status=404)
        wav = self.recordings[sid]
        if sid in self.drip_s:
            return Response(self._drip(wav, self.drip_s[sid]), mimetype="audio/wav")
        if sid in self.streamed:
            return Response(iter([wav[i:i + 4096] for i in range(0, len(wav), 4096)]),
                            mimetype="audio/wav")
        return Response(wav, mimetype="audio/wav")

    @staticmethod
    def _drip(wav: bytes, pause_s: float):
        for i in range(0, len(wav), 64):
            yield wav[i:i + 64]
            time.sleep(pause_s)
