"""Start and query the emulator process of ``benchmarks.serve``."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from benchmarks.serve import CLOUDFLARE_TOKEN_VAR, OKTA_TOKEN_VAR, Stats

ROOT = Path(__file__).resolve().parent.parent


class Server:
    """The emulator for one organization size, in its own process."""

    def __init__(self, members: int, latency_ms: float, rate_limit: int) -> None:
        # Throwaway credentials that only this emulator accepts.
        self.cloudflare_token = secrets.token_hex(20)
        self.okta_token = secrets.token_hex(20)
        self._args = [str(members), str(latency_ms), str(rate_limit)]
        self._process: subprocess.Popen[str] | None = None
        self.ready: dict[str, Any] = {}

    def __enter__(self) -> Server:
        env = {
            **os.environ,
            CLOUDFLARE_TOKEN_VAR: self.cloudflare_token,
            OKTA_TOKEN_VAR: self.okta_token,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), _pythonpath()])),
        }
        self._process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.serve", *self._args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        self.ready = self._read()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        process = self._running()
        self._pipe(process.stdin).close()
        process.wait(timeout=30)

    def stats(self) -> Stats:
        """Requests served so far, and how many answered 429."""
        pipe = self._pipe(self._running().stdin)
        pipe.write("stats\n")
        pipe.flush()
        answer = self._read()
        return Stats(
            requests=int(answer["requests"]),
            cloudflare=int(answer["cloudflare"]),
            throttled=int(answer["throttled"]),
        )

    def _read(self) -> dict[str, Any]:
        line = self._pipe(self._running().stdout).readline()
        if not line:
            raise RuntimeError("the emulator process ended early; see its stderr")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def _running(self) -> subprocess.Popen[str]:
        if self._process is None:
            raise RuntimeError("the emulator process is not started: use a with block")
        return self._process

    @staticmethod
    def _pipe(stream: IO[str] | None) -> IO[str]:
        if stream is None:
            raise RuntimeError("the emulator process has no pipe")
        return stream


def _pythonpath() -> str:
    return os.environ.get("PYTHONPATH", "")
