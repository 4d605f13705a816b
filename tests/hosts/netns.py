"""Worker "machines" for tests: Linux network namespaces joined to this one by a link.

Each `WorkerHost` is a namespace with one veth link to this machine. The machine's end
of the link is the only port of a bridge that carries the machine's address on it, so
`cut()` can disable that bridge port: every frame is dropped silently in both
directions, while both ends stay up and keep their addresses and routes. That is a cable
pulled between two switches, not an interface taken down (which the kernel reports at
once as "network unreachable" to every socket): the workers stay alive, their TCP
connections stall and retransmit, new connections time out, and `restore()` lets the
same connections carry on.

Services are reached through two relays (tests/hosts/relay.py), so the workers use the
test app's own 127.0.0.1 URLs: the namespace's relay listens on its 127.0.0.1 and
forwards across the link; the machine's listens on its end of the link and forwards to
the machine's 127.0.0.1 (where PostgreSQL, trusting 127.0.0.1 only, and the test's Redis
and sandbox listen). Needs root, `ip` and `bridge` (iproute2), and a kernel that allows
namespaces; `unavailable()` says why not, for a skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

RELAY = Path(__file__).with_name("relay.py")


def _run(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True, text=True)


def unavailable() -> str | None:
    """Why network namespaces cannot be made here, or None when they can."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    missing = [tool for tool in ("ip", "bridge") if shutil.which(tool) is None]
    if missing:
        return f"{' and '.join(missing)} (iproute2) not installed"
    probe = f"bl-probe-{os.getpid()}"
    try:
        _run("ip", "netns", "add", probe)
        _run("ip", "netns", "del", probe)
    except subprocess.CalledProcessError as exc:
        return f"cannot create a network namespace: {exc.stderr.strip()}"
    return None


class WorkerHost:
    """One namespace, its link, and the relays of `ports` (port -> TCP_USER_TIMEOUT ms)."""

    def __init__(self, index: int, ports: dict[int, int], log_dir: Path) -> None:
        tag = f"{os.getpid() % 100000}{index}"
        self.namespace = f"bl-{tag}"
        self.bridge, self.link, self.peer = f"blb{tag}", f"blh{tag}", f"bln{tag}"
        # A /30 per host, from the pid: two test runs on one machine do not collide.
        pid = os.getpid()
        net = f"10.{200 + pid % 50}.{pid // 50 % 250}"
        self.machine_ip, self.host_ip = f"{net}.{4 * index + 1}", f"{net}.{4 * index + 2}"
        self.ports, self.log_dir = ports, log_dir
        self.relays: list[subprocess.Popen] = []

    @property
    def exec_prefix(self) -> tuple[str, ...]:
        return ("ip", "netns", "exec", self.namespace)

    def build(self) -> WorkerHost:
        ns = self.exec_prefix
        _run("ip", "netns", "add", self.namespace)
        _run("ip", "link", "add", self.link, "type", "veth", "peer", "name", self.peer)
        _run("ip", "link", "set", self.peer, "netns", self.namespace)
        _run("ip", "link", "add", self.bridge, "type", "bridge")
        _run("ip", "link", "set", self.link, "master", self.bridge)
        _run("ip", "addr", "add", f"{self.machine_ip}/30", "dev", self.bridge)
        for device in (self.bridge, self.link):
            _run("ip", "link", "set", device, "up")
        _run(*ns, "ip", "addr", "add", f"{self.host_ip}/30", "dev", self.peer)
        _run(*ns, "ip", "link", "set", self.peer, "up")
        _run(*ns, "ip", "link", "set", "lo", "up")
        self._relay((), [f"{self.machine_ip}:{p}=127.0.0.1:{p}" for p in self.ports], "machine")
        self._relay(ns, [f"127.0.0.1:{p}={self.machine_ip}:{p}" + (f"/{t}" if t else "")
                         for p, t in self.ports.items()], "host")
        return self

    def _relay(self, prefix: tuple[str, ...], routes: list[str], side: str) -> None:
        log = open(self.log_dir / f"relay-{self.namespace}-{side}.log", "w")  # noqa: SIM115
        relay = subprocess.Popen([*prefix, sys.executable, str(RELAY), *routes],
                                 stdout=subprocess.PIPE, stderr=log, text=True)
        self.relays.append(relay)
        if relay.stdout.readline().strip() != "ready":
            raise RuntimeError(f"relay on the {side} side did not start: see {log.name}")

    def cut(self) -> None:
        """Pull the cable: the link drops every frame both ways, silently."""
        _run("bridge", "link", "set", "dev", self.link, "state", "0")

    def restore(self) -> None:
        _run("bridge", "link", "set", "dev", self.link, "state", "3")

    def teardown(self) -> None:
        for relay in self.relays:
            relay.kill()
            relay.wait()
        for command in (("ip", "link", "del", self.link), ("ip", "link", "del", self.bridge),
                        ("ip", "netns", "del", self.namespace)):
            subprocess.run(command, capture_output=True)
