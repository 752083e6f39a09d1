"""`hexauth serve` in development: what it says about its settings, it says once."""

from __future__ import annotations

import os
import subprocess
import time

import httpx

from tests.e2e.served import HEXAUTH, PATIENCE, ROOT, free_port


def test_serving_without_keys_warns_once_about_the_development_key(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [*HEXAUTH, "serve"],
        env={
            "PATH": os.environ["PATH"],
            "PYTHONPATH": str(ROOT),
            "HOST": "127.0.0.1",
            "PORT": str(port),
        },
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    answered = False
    try:
        deadline = time.monotonic() + PATIENCE
        while not answered and process.poll() is None and time.monotonic() < deadline:
            try:
                answered = httpx.get(f"http://127.0.0.1:{port}/health/live", timeout=1).is_success
            except httpx.TransportError:
                time.sleep(0.1)
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)

    assert answered, output
    assert output.count("AUTH_KEYS is not set") == 1, output
    assert (tmp_path / ".data" / "auth_keys").exists()
