"""A real API process (`rewardkit serve-process`, the command `serve --workers N` runs) on a free port,
its stdout and stderr in one file: for the tests that read what the process logs."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from rewardkit.config import Settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    base: str
    log: Path
    proc: subprocess.Popen[bytes]

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def records(self) -> list[dict[str, Any]]:
        """Every line of the output as JSON (a line that is not JSON fails the caller's test)."""
        out = []
        for line in self.text().splitlines():
            if line.strip():
                out.append(json.loads(line))
        return out

    def stop(self) -> None:
        """SIGTERM, as an orchestrator stops it; everything it wrote is in the file afterwards."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@contextlib.contextmanager
def serve_process(settings: Settings, logdir: Path, **env: str) -> Iterator[Served]:
    """The API on the tests' database (already migrated and seeded by the `ctx` fixture), with `env`
    (REWARDKIT_* settings) on top of the tests' own settings."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    environ = {k: v for k, v in os.environ.items() if not k.startswith("REWARDKIT_")}
    environ.update(
        REWARDKIT_DATABASE_URL=settings.database_url,
        REWARDKIT_SECRET_KEYS=settings.secret_keys,
        REWARDKIT_PUBLIC_URL=base,
        REWARDKIT_API_KEY_CACHE_SECONDS="0",
        REWARDKIT_JOB_POLL_SECONDS="0.1",
        REWARDKIT_JOB_BACKOFF_BASE_SECONDS="0.05",
    )
    environ.update(env)
    log = logdir / "server.log"
    out = log.open("wb")
    cmd = [sys.executable, "-m", "rewardkit.cli", "serve-process", "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(cmd, env=environ, cwd=logdir, stdout=out, stderr=subprocess.STDOUT)
    served = Served(base, log, proc)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, served.text()
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "server did not become healthy"
            time.sleep(0.1)
        yield served
    finally:
        served.stop()
        out.close()
