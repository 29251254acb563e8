"""Bot replicas behind nginx: the real process N times in webhook mode on one
database, each listening on its own port, nginx spreading the sandbox's
webhook posts over them (tests/soak/test_replicas.py, bench/webhook.py)."""

from __future__ import annotations

import secrets
import signal
import subprocess
from datetime import datetime
from pathlib import Path

import aiohttp

from bot.sandbox import Sandbox
from bot.sandbox.webhook import free_port
from tests.kit.live import BotProcess, poll_until
from tests.kit.nginx import Nginx


class Cluster:
    """nginx and the replicas behind it; whatever still runs is killed at the end."""

    def __init__(
        self, url: str, sandbox: Sandbox, workdir: Path, replicas: int, *, rate: float = 25
    ) -> None:
        self.ports = [free_port() for _ in range(replicas)]
        self.nginx = Nginx(workdir / "nginx", self.ports)
        self.secret = secrets.token_urlsafe(32)
        self.replicas = []
        for n, port in enumerate(self.ports):
            home = workdir / f"replica-{n}"
            home.mkdir()
            replica = BotProcess(url, sandbox, home, log_level="INFO")
            replica.use_webhook(self.nginx.url, port, self.secret)
            replica.env["BOT_BROADCAST_RATE"] = str(rate)
            self.replicas.append(replica)

    def start(self, when: datetime) -> None:
        """nginx, then every replica with its clock at `when`."""
        self.nginx.start()
        for replica in self.replicas:
            replica.set_clock(when)
            replica.start()

    async def ready(self, limit_s: float = 60) -> None:
        """Every replica answers /healthz."""
        for port in self.ports:
            assert await poll_until(lambda port=port: healthy(port), limit_s), (
                f"the replica on port {port} did not start\n{self.logs()}"
            )

    def by_pid(self, pid: int) -> BotProcess:
        return next(r for r in self.replicas if r.process is not None and r.pid == pid)

    def logs(self) -> str:
        return "\n".join(r.log()[-2500:] for r in self.replicas) + self.nginx.errors()[-1500:]

    def stop(self) -> list[int]:
        """SIGTERM to every replica still running (their exit codes), then nginx."""
        codes = []
        for replica in self.replicas:
            if replica.process is not None and replica.process.poll() is None:
                replica.process.send_signal(signal.SIGTERM)
        for replica in self.replicas:
            if replica.process is not None:
                try:
                    codes.append(replica.process.wait(timeout=40))
                except subprocess.TimeoutExpired:
                    replica.process.kill()
                    codes.append(replica.process.wait())
        self.nginx.stop()
        return codes


async def http_get(url: str) -> tuple[int, str]:
    """GET `url`: the status and the body."""
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, await response.text()


async def healthy(port: int) -> bool:
    """Whether a replica's /healthz answers 200."""
    try:
        status, _ = await http_get(f"http://127.0.0.1:{port}/healthz")
    except aiohttp.ClientError:
        return False
    return status == 200
