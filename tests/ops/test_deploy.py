"""deploy/: the nginx site passes `nginx -t` and, run for real in front of
stand-in replicas, proxies the webhook and /healthz, keeps /metrics in, and
moves on from a replica that is down; systemd and compose start the same
commands on the same ports."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import socket
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest
import yaml
from aiohttp import web

from tests.kit.live import poll_until

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SITE = DEPLOY / "nginx" / "bootcamp-bot.conf"
NGINX = shutil.which("nginx")
OPENSSL = shutil.which("openssl")
needs_nginx = pytest.mark.skipif(
    NGINX is None or OPENSSL is None,
    reason="nginx (apt-get install -y nginx, as .ci/run does) and openssl are needed",
)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def upstream_ports(site: str) -> list[int]:
    block = re.search(r"upstream bootcamp_bot \{(.*?)\}", site, re.S)
    assert block is not None
    return [int(p) for p in re.findall(r"server 127\.0\.0\.1:(\d+)", block.group(1))]


def nginx_conf(tmp: Path, site: str) -> Path:
    """A whole nginx.conf around the site, with every path in `tmp`."""
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp / name).mkdir(exist_ok=True)
    (tmp / "site.conf").write_text(site)
    conf = tmp / "nginx.conf"
    conf.write_text(
        f"""
master_process off;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {tmp}/site.conf;
}}
"""
    )
    return conf


def with_test_certificate(tmp: Path, site: str) -> str:
    """The site with its placeholder certificate paths replaced by a fresh self-signed one."""
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    assert OPENSSL is not None
    subprocess.run(
        [OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=bot.example.com", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    site = site.replace("/etc/ssl/bootcamp-bot/fullchain.pem", str(cert))
    return site.replace("/etc/ssl/bootcamp-bot/privkey.pem", str(key))


def nginx_test(conf: Path) -> subprocess.CompletedProcess[str]:
    assert NGINX is not None
    return subprocess.run(
        [NGINX, "-t", "-c", str(conf), "-p", str(conf.parent), "-e", str(conf.parent / "e.log")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@needs_nginx
def test_the_nginx_site_passes_nginx_t(tmp_path: Path) -> None:
    site = with_test_certificate(tmp_path, SITE.read_text())
    result = nginx_test(nginx_conf(tmp_path, site))
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


@needs_nginx
def test_nginx_t_catches_a_broken_site(tmp_path: Path) -> None:
    """The check above can fail: a site with a typo does not pass."""
    site = with_test_certificate(tmp_path, SITE.read_text()).replace("proxy_pass", "proxy_pas", 1)
    result = nginx_test(nginx_conf(tmp_path, site))
    assert result.returncode != 0
    assert "proxy_pas" in result.stderr


# -- nginx for real, in front of stand-in replicas -----------------------------------
@dataclass
class Replica:
    """Answers as a replica would, and notes what reached it."""

    name: str
    seen: list[tuple[str, str, str | None]] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        self.seen.append((request.method, request.path, request.headers.get(SECRET_HEADER)))
        return web.json_response({"replica": self.name, "path": request.path})


@dataclass
class Front:
    https: str
    http: str
    replicas: list[Replica]


@pytest.fixture
async def front(tmp_path: Path) -> AsyncIterator[Front]:
    """nginx with the shipped site on free ports, before two live replicas and a
    third port where nothing listens (a replica that is down)."""
    site = with_test_certificate(tmp_path, SITE.read_text())
    https_port, http_port = free_port(), free_port()
    site = re.sub(r"listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;", site)
    site = re.sub(r"listen 80;", f"listen 127.0.0.1:{http_port};", site)
    site = re.sub(r"\s*listen \[::\]:\d+[^;]*;", "", site)
    replicas = [Replica("a"), Replica("b")]
    runners = []
    ports = []
    for replica in replicas:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", replica.handle)
        runner = web.AppRunner(app)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        runners.append(runner)
        ports.append(port)
    down = free_port()
    for shipped, port in zip(upstream_ports(site), [*ports, down], strict=True):
        site = site.replace(f"server 127.0.0.1:{shipped} ", f"server 127.0.0.1:{port} ")
    conf = nginx_conf(tmp_path, site)
    assert NGINX is not None
    process = await asyncio.create_subprocess_exec(
        *[NGINX, "-c", str(conf), "-p", str(tmp_path), "-e", str(tmp_path / "e.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:

        def listening() -> bool:
            with socket.socket() as sock:
                return sock.connect_ex(("127.0.0.1", https_port)) == 0

        assert await poll_until(listening, 20, every=0.1), (tmp_path / "error.log").read_text()
        yield Front(f"https://127.0.0.1:{https_port}", f"http://127.0.0.1:{http_port}", replicas)
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 10)
        for runner in runners:
            await runner.cleanup()


@pytest.fixture
async def client() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=False)) as session:
        yield session


def reached(front: Front) -> list[tuple[str, str, str | None]]:
    return [hit for replica in front.replicas for hit in replica.seen]


@needs_nginx
async def test_nginx_proxies_the_webhook_and_health_and_keeps_metrics_in(
    front: Front, client: aiohttp.ClientSession
) -> None:
    answered = set()
    for n in range(6):  # round robin over three, one of them down: every post lands
        async with client.post(
            f"{front.https}/telegram", json={"update_id": n}, headers={SECRET_HEADER: "s3cret"}
        ) as response:
            assert response.status == 200
            answered.add((await response.json())["replica"])
    assert answered == {"a", "b"}
    assert reached(front).count(("POST", "/telegram", "s3cret")) == 6  # header passed on

    async with client.get(f"{front.https}/healthz") as response:
        assert response.status == 200
    before = len(reached(front))
    for path in ("/metrics", "/telegram", "/", "/admin"):
        async with client.get(f"{front.https}{path}") as response:
            assert response.status in (403, 404), path  # GET on the webhook: 403
    assert len(reached(front)) == before, "nothing but POST /telegram and /healthz gets through"

    async with client.get(f"{front.http}/telegram", allow_redirects=False) as response:
        assert response.status == 301
        assert response.headers["Location"].startswith("https://")


# -- systemd and compose run the same thing ------------------------------------------
def unit(name: str) -> dict[str, list[str]]:
    """The directives of a systemd unit (a directive may be given more than once)."""
    found: dict[str, list[str]] = {}
    for line in (DEPLOY / "systemd" / name).read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            found.setdefault(key, []).append(value)
    return found


def compose() -> dict[str, dict[str, object]]:
    services: dict[str, dict[str, object]] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())[
        "services"
    ]
    return services


def test_systemd_and_compose_run_the_same_commands() -> None:
    replica = unit("bootcamp-bot@.service")
    migrate = unit("bootcamp-bot-migrate.service")
    assert replica["Restart"] == ["always"]
    assert replica["EnvironmentFile"] == migrate["EnvironmentFile"]
    assert migrate["Type"] == ["oneshot"]
    (run,) = replica["ExecStart"]
    (upgrade,) = migrate["ExecStart"]
    assert run.endswith("/bootcamp-bot run")
    assert upgrade.endswith("/bootcamp-bot migrate")
    services = compose()
    assert services["migrate"]["command"] == upgrade.split()
    bots = [spec for name, spec in services.items() if name.startswith("bot-")]
    assert len(bots) == 3
    for spec in bots:
        assert spec["command"] == run.split()
    cmd = re.search(r"^CMD (.*)$", (DEPLOY / "Dockerfile").read_text(), re.M)
    assert cmd is not None
    assert json.loads(cmd.group(1)) == run.split()


def test_the_replicas_listen_where_nginx_sends() -> None:
    ports = upstream_ports(SITE.read_text())
    assert ports == [8081, 8082, 8083]
    listens = [
        spec["environment"]["BOT_WEBHOOK_LISTEN"]  # type: ignore[index]
        for name, spec in compose().items()
        if name.startswith("bot-")
    ]
    assert listens == [f"127.0.0.1:{port}" for port in ports]
    # systemd: the instance name is the port (bootcamp-bot@8081).
    assert "BOT_WEBHOOK_LISTEN=127.0.0.1:%i" in unit("bootcamp-bot@.service")["Environment"]


def test_the_webhook_path_is_the_one_the_docs_give() -> None:
    site = SITE.read_text()
    assert "location = /telegram {" in site
    assert "https://bot.example.com/telegram" in (ROOT / "README.md").read_text()
