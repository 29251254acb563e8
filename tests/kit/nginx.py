"""A real nginx in front of bot replicas, as our own process on free ports.

Not the system service: a config generated into a directory of the test's
(pid file, logs and temp paths there), started with `daemon off` so the test
holds its PID and stops exactly that process. The upstream is the replicas'
webhook listeners; a replica that refuses connections (killed) is skipped
and the post goes to the next one, as a load balancer in production would.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from bot.sandbox.webhook import free_port

CONFIG = """\
worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
{user}
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    upstream bots {{
{servers}
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{port};
        location = {path} {{
            proxy_pass http://bots;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            # A replica that is down, or could not store the update (503), hands
            # the post to the next one: the inbox ignores an update it already has.
            proxy_next_upstream error timeout http_502 http_503 non_idempotent;
            proxy_connect_timeout 1s;
            proxy_read_timeout 30s;
        }}
        location / {{ return 404; }}
    }}
}}
"""


def nginx_binary() -> str | None:
    """nginx on PATH or in /usr/sbin (`.ci/run` installs it when missing)."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


class Nginx:
    """nginx proxying `path` on a free port to the given upstream ports."""

    def __init__(self, workdir: Path, upstreams: Sequence[int], path: str = "/telegram") -> None:
        self.dir = workdir
        self.port = free_port()
        self.path = path
        self.upstreams = list(upstreams)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    def start(self, timeout: float = 10.0) -> None:
        binary = nginx_binary()
        assert binary is not None, "nginx is not installed"
        self.dir.mkdir(parents=True, exist_ok=True)
        servers = "\n".join(
            f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=2s;"
            for port in self.upstreams
        )
        # Run as root, nginx's workers would switch to `nobody`, who cannot use our temp dirs.
        user = "user root;" if os.geteuid() == 0 else ""
        config = self.dir / "nginx.conf"
        config.write_text(
            CONFIG.format(dir=self.dir, user=user, servers=servers, port=self.port, path=self.path)
        )
        with (self.dir / "stderr.log").open("ab") as log:
            self.process = subprocess.Popen(
                [binary, "-p", str(self.dir), "-c", str(config)], stdout=log, stderr=log
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.errors()
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise AssertionError(f"nginx did not listen within {timeout} s: {self.errors()}")

    def errors(self) -> str:
        return "".join(
            (self.dir / name).read_text(errors="replace")
            for name in ("stderr.log", "error.log")
            if (self.dir / name).exists()
        )

    def stop(self) -> None:
        """SIGQUIT (graceful) to the nginx we started, then wait for it."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGQUIT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
