"""A local S3 server that verifies Signature V4, for presigned-URL tests (see s3rver_node/).

moto's server accepts any presigned URL, signature or not. The original `s3rver` (3.x) only
checks the expiry of a V4 URL ("Signature version 4 calculation is unimplemented"). Its
fork `@20minutes/s3rver` computes V4 signatures, so a tampered signature, key, expiry,
content type or body size answers 403 `SignatureDoesNotMatch`, and a late one 403
`AccessDenied` "Request has expired", like S3. It runs on Node.js: the package is installed
once, from the lock file in s3rver_node/, into `.venv/node-tools/s3rver` (ignored by git)
and reused while that lock file is unchanged. The fork declares `node >= 24`; npm only warns
about that, and the tests run it on Node.js 20 (this machine's and CI's).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import select
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

NODE_PROJECT = Path(__file__).resolve().parent / "s3rver_node"
REPO_ROOT = NODE_PROJECT.parents[3]
INSTALL_DIR = REPO_ROOT / ".venv" / "node-tools" / "s3rver"
PACKAGE = "@20minutes/s3rver"
# The fork's own default account; any other key is refused (InvalidAccessKeyId).
ACCESS_KEY = "S3RVER"
SECRET_KEY = "S3RVER"
REGION = "us-east-1"
NPM_TIMEOUT_SECONDS = 300
START_TIMEOUT_SECONDS = 20


def _tool(name: str) -> str:
    """The path of `name` on PATH; fails the test naming what to install when it is missing."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(
            f"`{name}` was not found on PATH. The S3 signature tests run a local S3 server on "
            "Node.js: install Node.js 20 or newer with npm (Debian: `apt-get install nodejs "
            "npm`), then run the tests again.",
            pytrace=False,
        )
    return path


def install(target: Path = INSTALL_DIR) -> Path:
    """The installed package's folder, running `npm ci` first unless the lock file is unchanged."""
    node_modules = target / "node_modules"
    module = node_modules / PACKAGE
    lock = (NODE_PROJECT / "package-lock.json").read_bytes()
    digest = hashlib.sha256(lock).hexdigest()
    stamp = target / ".installed-lock-sha256"
    target.mkdir(parents=True, exist_ok=True)
    with (target / ".install.lock").open("w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)  # another run in the same tree may be installing
        if module.is_dir() and stamp.exists() and stamp.read_text() == digest:
            return module
        npm = _tool("npm")
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(NODE_PROJECT / name, target / name)
        stamp.unlink(missing_ok=True)
        try:
            done = subprocess.run(
                [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=target,
                capture_output=True,
                text=True,
                timeout=NPM_TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"`npm ci` in {target} took over {NPM_TIMEOUT_SECONDS} s", pytrace=False)
        if done.returncode != 0 or not module.is_dir():
            pytest.fail(
                f"`npm ci` in {target} failed (exit {done.returncode}); the npm registry must "
                f"be reachable to install {PACKAGE} once:\n{done.stderr[-2000:]}",
                pytrace=False,
            )
        stamp.write_text(digest)
    return module


@dataclass
class S3rver:
    """One running server: a node process serving `bucket` from a data folder."""

    data_dir: Path
    bucket: str = "smarttask"
    port: int = 0
    _process: subprocess.Popen[str] | None = field(default=None, repr=False)

    @property
    def endpoint(self) -> str:
        """The base URL, for SMARTTASK_S3_ENDPOINT_URL and boto3's endpoint_url."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Install if needed, start on an ephemeral port and wait until it answers HTTP."""
        module = install()
        node = _tool("node")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("w") as log:
            self._process = subprocess.Popen(
                [
                    node,
                    str(NODE_PROJECT / "launch.js"),
                    str(module),
                    str(self.data_dir),
                    self.bucket,
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
            )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        self.port = int(json.loads(self._first_line(deadline))["port"])
        while True:
            try:
                httpx.get(self.endpoint, timeout=1.0)  # any HTTP answer will do
                return
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"s3rver did not answer on {self.endpoint}") from None
                time.sleep(0.05)

    @property
    def log_path(self) -> Path:
        """Where the server's standard error goes (next to its data folder)."""
        return self.data_dir.with_name(self.data_dir.name + ".log")

    def _first_line(self, deadline: float) -> str:
        """The launcher's `{"port": N}` line, printed once it listens; its errors if not."""
        assert self._process is not None
        assert self._process.stdout is not None
        ready, _, _ = select.select(
            [self._process.stdout], [], [], max(0.0, deadline - time.monotonic())
        )
        line = self._process.stdout.readline() if ready else ""
        if not line:
            self.stop()
            raise RuntimeError(f"s3rver did not start: {self.log_path.read_text()[-2000:]}")
        return line

    def stop(self) -> None:
        """Stop the process (closing its stdin ends it; SIGTERM, then SIGKILL, if not)."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
