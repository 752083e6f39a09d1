"""The soak's own servers: a PostgreSQL cluster and a redis-server on free ports, an SMTP sink,
N `hexauth serve` instances and nginx in front, each started so that it is always stopped
(bench/processes.py: process groups, a state file the next run cleans up after a crash).

Nothing here touches the machine's shared PostgreSQL (5432) or Redis (6379).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import redis

from adapters.tokens.keys import new_key_entry
from bench.processes import Registry
from tests.smtp_server import SmtpServer, smtp_server
from tests.support.ports import free_port
from tests.support.postgres import Cluster, execute_on, run_async, throwaway_cluster

ROOT = Path(__file__).resolve().parents[2]
NGINX_TEMPLATE = ROOT / "docker" / "soak" / "nginx.conf.template"
HEXAUTH = Path(sys.executable).parent / "hexauth"
DRAIN_SECONDS = 2.0  # for nginx's reload and the requests already sent to a drained instance
PATIENCE = 90.0  # seconds for a server to answer after its start, on a busy 2-core host


class Stack:
    def __init__(
        self, folder: Path, registry: Registry, cluster: Cluster, smtp: SmtpServer, access_ttl: int
    ) -> None:
        self.folder, self.registry, self.cluster, self.smtp = folder, registry, cluster, smtp
        self.redis_port = free_port()
        self.redis_url = f"redis://127.0.0.1:{self.redis_port}/0"
        self.database_url = cluster.url.rsplit("/", 1)[0] + "/hexauth"
        self.nginx_port = free_port()
        self.base_url = f"http://127.0.0.1:{self.nginx_port}"
        self.env = {
            **os.environ,
            "APP_ENV": "development",
            "DATABASE_URL": self.database_url,
            "DB_POOL_SIZE": "5",
            "DB_MAX_OVERFLOW": "5",
            "REDIS_URL": self.redis_url,
            "AUTH_KEYS": new_key_entry("soak"),
            "AUTH_ACCESS_TTL": str(access_ttl),
            # Plain HTTP between the users and nginx: the cookie jar would withhold a Secure one.
            "AUTH_COOKIE_SECURE": "false",
            "FORWARDED_ALLOW_IPS": "127.0.0.1",
            "APP_URL": self.base_url,
            "SMTP_URL": smtp.url,
            # The instances' TLS trust store is the sink's certificate (OpenSSL reads this).
            "SSL_CERT_FILE": str(folder / "smtp-cert.pem"),
        }
        self.instances: list[subprocess.Popen[bytes] | None] = []
        self.ports: list[int] = []
        self._redis: subprocess.Popen[bytes] | None = None
        self._nginx: subprocess.Popen[bytes] | None = None

    # PostgreSQL ----------------------------------------------------------------------------

    def prepare_database(self) -> None:
        """pg_stat_statements preloaded (a restart), the service's database, its schema."""
        run_async(
            execute_on(
                self.cluster.url, "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'"
            )
        )
        self.cluster.stop("fast")
        self.cluster.start()
        run_async(
            execute_on(
                self.cluster.url,
                "CREATE EXTENSION pg_stat_statements",
                "CREATE DATABASE hexauth",
            )
        )
        self._run_hexauth("migrate")

    # Redis --------------------------------------------------------------------------------

    def start_redis(self) -> None:
        command = [shutil.which("redis-server") or "/usr/bin/redis-server"]
        command += ["--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", ""]
        command += ["--appendonly", "no", "--dir", str(self.folder)]
        self._redis = self.registry.start(command, env=os.environ, cpus=None)
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            with contextlib.suppress(redis.RedisError), redis.Redis.from_url(self.redis_url) as r:
                r.ping()
                return
            time.sleep(0.05)
        raise RuntimeError("the soak's redis-server did not answer")

    def kill_redis(self) -> None:
        if self._redis is not None:
            self._redis.kill()
            self._redis.wait()
            self.registry.stop(self._redis)
            self._redis = None

    # hexauth instances --------------------------------------------------------------------

    def start_instance(self, index: int) -> None:
        while len(self.ports) <= index:
            self.ports.append(free_port())
            self.instances.append(None)
        port = self.ports[index]
        env = {**self.env, "HOST": "127.0.0.1", "PORT": str(port)}
        with (self.folder / f"hexauth-{index}.log").open("ab") as log:
            process = self.registry.start(
                [HEXAUTH, "serve"], env=env, cpus=None, stdout=log, stderr=subprocess.STDOUT
            )
        _wait_for(f"http://127.0.0.1:{port}/health/live", process, f"hexauth instance {index}")
        self.instances[index] = process  # from now on its CPU counts (its start-up does not)

    def signal_instance(self, index: int, signum: signal.Signals) -> None:
        """Send `signum` and wait until the instance is gone."""
        process = self.instances[index]
        if process is None:
            return
        process.send_signal(signum)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=PATIENCE)
        self.registry.stop(process)
        self.instances[index] = None

    def address(self, index: int) -> str:
        return f"127.0.0.1:{self.ports[index]}"

    def instance_pids(self) -> list[int]:
        return [process.pid for process in self.instances if process is not None]

    # nginx --------------------------------------------------------------------------------

    def start_nginx(self) -> None:
        folder = self.folder / "nginx"
        folder.mkdir()
        self._write_nginx_config(drained=None)
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self._nginx = self.registry.start(
            # -e: nginx's start-up messages go there too, not to /var/log/nginx (root's).
            [nginx, "-p", folder, "-c", folder / "nginx.conf", "-e", folder / "error.log"],
            env=os.environ,
            cpus=None,
            stderr=(folder / "stderr.log").open("wb"),
        )
        _wait_for(f"{self.base_url}/health/live", self._nginx, "nginx")

    def drain(self, index: int | None) -> None:
        """Take instance `index` out of nginx's rotation (None: put every instance back): the
        configuration marks it `down` and nginx reloads it (SIGHUP: new workers take new
        requests, the old ones finish theirs). A deploy does this before stopping an instance:
        one that closes its socket while nginx still sends to it resets the connections waiting
        in its accept queue, and nginx cannot pass such a POST on."""
        self._write_nginx_config(drained=index)
        if self._nginx is not None:
            self._nginx.send_signal(signal.SIGHUP)
        time.sleep(DRAIN_SECONDS)

    def _write_nginx_config(self, drained: int | None) -> None:
        folder = self.folder / "nginx"
        servers = "\n".join(
            f"        server {self.address(index)} max_fails=1 fail_timeout=5s"
            f"{' down' if index == drained else ''};"
            for index in range(len(self.ports))
        )
        config = (
            NGINX_TEMPLATE.read_text()
            .replace("{{folder}}", str(folder))
            .replace("{{servers}}", servers)
            .replace("{{port}}", str(self.nginx_port))
        )
        (folder / "nginx.conf").write_text(config)

    def _run_hexauth(self, *arguments: str) -> None:
        done = subprocess.run(  # noqa: S603 (our own command)
            [str(HEXAUTH), *arguments], env=self.env, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"hexauth {' '.join(arguments)} failed: {done.stderr[-2000:]}")


@contextlib.contextmanager
def running_stack(
    folder: Path, registry: Registry, instances: int, access_ttl: int
) -> Iterator[Stack]:
    with throwaway_cluster() as cluster, smtp_server(folder) as smtp:
        registry.note("cluster", str(cluster.folder))
        stack = Stack(folder, registry, cluster, smtp, access_ttl)
        stack.prepare_database()
        stack.start_redis()
        for index in range(instances):
            stack.start_instance(index)
        stack.start_nginx()
        yield stack


def _wait_for(url: str, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with status {process.returncode}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not answer {url} within {PATIENCE:.0f} s")
