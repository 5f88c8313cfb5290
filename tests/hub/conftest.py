"""Fixtures for the Hub tests: a loopback Hub server and a way to run real clients against it.

`huggingface_hub` and `datasets` read `HF_ENDPOINT` (and `HF_HUB_OFFLINE`, ...) when they are imported, and this
pytest process has imported them long before any test runs. So every client talks to the loopback Hub from a
fresh subprocess with a clean environment (`LoopbackHub.client_env`): its own `HF_HOME`, `HF_ENDPOINT` set to the
server, Xet off, a token or none. The scripts live in `tests/hub/clients/`, take a JSON parameter file and write
a JSON result file, and the tests assert on those results (and on the server's storage).
"""

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from classicnets.testing import LoopbackHub

CLIENTS = Path(__file__).resolve().parent / "clients"


@pytest.fixture(scope="session")
def loopback_hub():
    """A running loopback Hub for the whole session; `.url`, `.token` (the one valid token), `.user`."""
    hub = LoopbackHub().start()
    yield hub
    hub.stop()


@pytest.fixture
def fresh_hub():
    """A loopback Hub of its own, for tests that break or stop it."""
    hub = LoopbackHub().start()
    yield hub
    hub.stop()


class ClientError(AssertionError):
    pass


class ClientRun:
    """A client script running in its own interpreter; `result()` waits for it and returns its JSON."""

    def __init__(self, script: str, env: dict, params: dict, workdir: Path, *, hide_classicnets: bool = False,
                 timeout: float = 180):
        workdir.mkdir(parents=True, exist_ok=True)
        stem = Path(script).stem
        params_file = workdir / f"{stem}.params.json"
        self.result_file = workdir / f"{stem}.result.json"
        params_file.write_text(json.dumps(params))
        self.result_file.unlink(missing_ok=True)
        cmd = [sys.executable]
        if hide_classicnets:
            cmd.append(str(CLIENTS / "without_classicnets.py"))
        cmd += [str(CLIENTS / script), str(params_file), str(self.result_file)]
        self.script, self.timeout, self.start = script, timeout, time.monotonic()
        self.proc = subprocess.Popen(cmd, env=env, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        self._result: dict | None = None

    def result(self) -> dict:
        if self._result is not None:
            return self._result
        try:
            stdout, stderr = self.proc.communicate(timeout=max(1.0, self.timeout - (time.monotonic() - self.start)))
        except subprocess.TimeoutExpired:
            self.proc.kill()
            stdout, stderr = self.proc.communicate()
            raise ClientError(f"{self.script} timed out after {self.timeout}s\n{stderr[-8000:]}") from None
        elapsed = time.monotonic() - self.start
        if self.proc.returncode != 0 or not self.result_file.exists():
            raise ClientError(
                f"{self.script} failed (exit {self.proc.returncode}, {elapsed:.1f}s)\n--- stdout ---\n"
                f"{stdout[-6000:]}\n--- stderr ---\n{stderr[-8000:]}"
            )
        result = json.loads(self.result_file.read_text())
        result.update(_stderr=stderr, _stdout=stdout, _seconds=elapsed)
        self._result = result
        return result

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


def run_client(script: str, env: dict, params: dict, workdir: Path, *, hide_classicnets: bool = False,
               timeout: float = 180) -> dict:
    """Run `clients/<script>` in a fresh interpreter with `env`; return the JSON it wrote.

    `hide_classicnets=True` runs it through `clients/without_classicnets.py`, which makes `import classicnets`
    fail (the package is installed in editable mode, so it must be blocked, not just left off PYTHONPATH).
    """
    return ClientRun(script, env, params, workdir, hide_classicnets=hide_classicnets, timeout=timeout).result()


@pytest.fixture(scope="session")
def client_runner():
    return run_client


def tree_fingerprint(folder: Path) -> dict[str, tuple[int, int, str]]:
    """(size, mtime_ns, sha256) of every file under `folder`: equal fingerprints = untouched folder."""
    import hashlib

    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            st = path.stat()
            out[path.relative_to(folder).as_posix()] = (st.st_size, st.st_mtime_ns,
                                                        hashlib.sha256(path.read_bytes()).hexdigest())
    return out


def env_without(env: dict, *names: str) -> dict:
    return {k: v for k, v in env.items() if k not in names}

