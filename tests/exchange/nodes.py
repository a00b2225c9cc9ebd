"""A harness of real Yiwang nodes: each its own data dir, SQLite file, region code and port,
served by ``yiwang serve`` in its own process. Tests drive them over HTTP and through
``yiwang shell -c`` scripts that print one JSON line."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Node:
    region: str
    data_dir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"DATABASE_URL", "YIWANG_PII_KEY", "YIWANG_KEYSTORE_KEY"}
        }
        env.update(
            YIWANG_DATA_DIR=str(self.data_dir),
            YIWANG_NODE_REGION=self.region,
            YIWANG_PUBLIC_URL=self.url,
            DJANGO_SETTINGS_MODULE="yiwang.settings",
            PYTHONPATH=str(ROOT),
        )
        return env

    def yiwang(self, *args: str, timeout: float = 900) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "yiwang", *args],
            capture_output=True,
            text=True,
            env=self.env(),
            cwd=ROOT,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise AssertionError(f"yiwang {args[0]} at {self.region}: {done.stderr[-3000:]}")
        return done.stdout

    def shell(self, code: str) -> Any:
        """Run Python in the node's Django; the script's last printed line, as JSON."""
        out = self.yiwang("shell", "-c", code)
        return json.loads(out.strip().splitlines()[-1])

    def start(self) -> None:
        self.yiwang("migrate", "--noinput")
        log = (self.data_dir / "serve.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "yiwang", "serve", "--port", str(self.port), "--no-access-log"],
            env=self.env(),
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"node {self.region} exited: {self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/readyz", timeout=2) as answer:  # noqa: S310
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise AssertionError(f"node {self.region} never became ready: {self.log_tail()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)

    def log_tail(self) -> str:
        path = self.data_dir / "serve.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def post(
        self, path: str, payload: Any, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        data = json.dumps(payload, ensure_ascii=False).encode()
        request = urllib.request.Request(  # noqa: S310
            self.url + path,
            data=data,
            method="POST",
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def get(self, path: str, headers: dict[str, str] | None = None) -> Any:
        request = urllib.request.Request(self.url + path, headers=headers or {})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
                return json.loads(answer.read())
        except urllib.error.HTTPError as error:  # the refusal's body says why
            raise AssertionError(f"GET {path}: {error.code} {error.read()[:500]!r}") from error


def peer_up(a: Node, b: Node, *, b_is_parent: bool) -> None:
    """Register ``b`` as ``a``'s peer with the command an operator would use."""
    info = b.get("/api/v1/exchange/nodes/info")
    key = a.data_dir / f"peer-{b.region}.pem"
    key.write_text(info["public_key"])
    args = ["exchange", "peer", "add", b.region, "--name", f"node {b.region}", "--url", b.url]
    a.yiwang(*args, "--key-file", str(key), *(["--parent"] if b_is_parent else []))
