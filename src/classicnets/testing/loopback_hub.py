"""A loopback Hugging Face Hub: enough of the Hub's HTTP protocol for the real clients to round-trip repos.

Standard library only (`http.server`), in-memory storage, one background thread. It speaks what
`huggingface_hub` 2.x, `transformers` and `datasets` use to push and pull models and datasets:

* write: `POST /api/repos/create` (409 + `url` when the repo exists), `POST /api/validate-yaml`,
  `POST /api/{type}s/{repo}/preupload/{rev}`, the git-LFS batch API (`/{repo}.git/info/lfs/objects/batch`,
  a PUT of the bytes, an optional verify), `POST /api/{type}s/{repo}/commit/{rev}` (NDJSON), branches, tags,
  pull-request refs (`create_pr=1`), repo deletion and visibility settings;
* read: `GET /api/{type}s/{repo}[/revision/{rev}]`, `tree`, `paths-info`, `refs`, `commits`, `whoami-v2`, and
  `HEAD`/`GET /{repo}/resolve/{rev}/{path}` with `X-Repo-Commit`, `ETag`, `Content-Length` and byte ranges;
* errors as the Hub sends them: `X-Error-Code` `RepoNotFound` / `RevisionNotFound` / `EntryNotFound`, and 401
  `Invalid credentials in Authorization header` for a bad token.

Revisions: branches, tags and commit shas (full or a unique prefix of 7+ characters) all resolve; every repo
keeps its whole commit history. Private repos are invisible without the one valid token (401/404 with
`RepoNotFound`, like the Hub). It knows one user (`user`), who owns every namespace.

Clients read `HF_ENDPOINT` when `huggingface_hub` / `datasets` are imported, so point them at this server from
a fresh process: `client_env()` builds a clean environment for that (and turns Xet off: this server speaks
git-LFS only, `HF_HUB_DISABLE_XET=1`).

Faults for tests: `inject_fault(...)` drops a matching request's connection or answers it with an error status,
optionally stopping the whole server at that moment (a Hub that goes away half-way through an upload).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, unquote, urlsplit

__all__ = ["LoopbackHub", "Fault", "client_env", "HubHTTPError"]

LFS_THRESHOLD = 10 * 1024 * 1024  # the Hub stores files above 10 MB with git-LFS
# Extensions the Hub's default .gitattributes routes to LFS.
LFS_EXTENSIONS = (
    ".7z", ".arrow", ".bin", ".bz2", ".ckpt", ".ftz", ".gz", ".h5", ".joblib", ".mlmodel", ".model", ".msgpack",
    ".npy", ".npz", ".onnx", ".ot", ".parquet", ".pb", ".pickle", ".pkl", ".pt", ".pth", ".rar", ".safetensors",
    ".tar", ".tflite", ".tgz", ".wasm", ".xz", ".zip", ".zst", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".wav",
    ".mp3", ".flac", ".ogg", ".mp4", ".tfevents",
)
DEFAULT_GITATTRIBUTES = "".join(
    f"*{ext} filter=lfs diff=lfs merge=lfs -text\n" for ext in LFS_EXTENSIONS
) + "*tfevents* filter=lfs diff=lfs merge=lfs -text\n"
REPO_TYPES = {"models": "model", "datasets": "dataset", "spaces": "space"}
URL_PREFIX = {"model": "", "dataset": "datasets/", "space": "spaces/"}
_SHA_PREFIX = re.compile(r"^[0-9a-f]{7,40}$")
# Environment variables that would point a client somewhere else, or change how it talks to us.
_CLIENT_ENV_DROP = (
    "HF_ENDPOINT", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH", "HF_HOME", "HF_HUB_CACHE",
    "HUGGINGFACE_HUB_CACHE", "HF_ASSETS_CACHE", "HUGGINGFACE_ASSETS_CACHE", "HF_XET_CACHE", "HF_MODULES_CACHE",
    "HF_DATASETS_CACHE", "TRANSFORMERS_CACHE", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE",
    "HUGGINGFACE_CO_STAGING", "HF_HUB_DISABLE_IMPLICIT_TOKEN", "HF_DEBUG", "XDG_CACHE_HOME",
    "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy",
)


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _git_blob_oid(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\x00" % len(data) + data).hexdigest()


def _lfs_pointer(sha256: str, size: int) -> bytes:
    return f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {size}\n".encode()


def client_env(
    url: str,
    *,
    hf_home: str | os.PathLike,
    token: str | None = None,
    offline: bool = False,
    base: dict | None = None,
) -> dict[str, str]:
    """A clean environment for a client process that talks to the Hub at `url` (and nothing else).

    Starts from `base` (default: `os.environ`), drops every variable that would redirect the client (other
    endpoints, caches, tokens, proxies, staging, offline flags), then sets `HF_ENDPOINT`, a private `HF_HOME`,
    `HF_TOKEN` (when given), `HF_HUB_DISABLE_XET=1`, telemetry/update checks/progress bars off, and
    `NO_PROXY` for loopback addresses. `offline=True` adds `HF_HUB_OFFLINE=1`.
    """
    env = dict(os.environ if base is None else base)
    for name in _CLIENT_ENV_DROP:
        env.pop(name, None)
    env.update(
        HF_ENDPOINT=url.rstrip("/"),
        HF_HOME=os.fspath(hf_home),
        HF_HUB_DISABLE_TELEMETRY="1",
        HF_HUB_DISABLE_XET="1",
        HF_HUB_DISABLE_UPDATE_CHECK="1",
        HF_HUB_DISABLE_PROGRESS_BARS="1",
        HF_HUB_DISABLE_SYMLINKS_WARNING="1",
        HF_HUB_DISABLE_EXPERIMENTAL_WARNING="1",
        DISABLE_TELEMETRY="1",
        TOKENIZERS_PARALLELISM="false",
        NO_PROXY="127.0.0.1,localhost,::1",
        no_proxy="127.0.0.1,localhost,::1",
    )
    if token is not None:
        env["HF_TOKEN"] = token
    if offline:
        env["HF_HUB_OFFLINE"] = "1"
    return env


# --------------------------------------------------------------------------------------------------------------
# Storage
# --------------------------------------------------------------------------------------------------------------


@dataclass
class _Entry:
    sha256: str  # key into the blob store
    size: int
    git_oid: str  # git blob oid (of the LFS pointer for LFS files)
    lfs: bool

    def tree_json(self, path: str, last_commit: dict | None = None) -> dict:
        item: dict = {"type": "file", "oid": self.git_oid, "size": self.size, "path": path}
        if self.lfs:
            item["lfs"] = {"oid": self.sha256, "size": self.size,
                           "pointerSize": len(_lfs_pointer(self.sha256, self.size))}
        if last_commit is not None:
            item["lastCommit"] = last_commit
        return item


@dataclass
class _Commit:
    oid: str
    parents: list[str]
    files: dict[str, _Entry]
    title: str
    message: str
    date: str
    author: str


@dataclass
class _Repo:
    repo_type: str
    repo_id: str
    private: bool
    created_at: str
    commits: dict[str, _Commit] = field(default_factory=dict)
    branches: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    prs: dict[int, str] = field(default_factory=dict)  # refs/pr/N -> head

    def resolve(self, revision: str) -> str | None:
        """Branch, tag, refs/heads/x, refs/tags/x, refs/pr/N, or a commit sha (a unique prefix is enough)."""
        rev = revision
        if rev.startswith("refs/heads/"):
            return self.branches.get(rev[len("refs/heads/"):])
        if rev.startswith("refs/tags/"):
            return self.tags.get(rev[len("refs/tags/"):])
        if rev.startswith("refs/pr/"):
            try:
                return self.prs.get(int(rev[len("refs/pr/"):]))
            except ValueError:
                return None
        if rev in self.branches:
            return self.branches[rev]
        if rev in self.tags:
            return self.tags[rev]
        if _SHA_PREFIX.match(rev):
            found = [oid for oid in self.commits if oid.startswith(rev)]
            if len(found) == 1:
                return found[0]
        return None

    def history(self, head: str) -> list[_Commit]:
        out, oid = [], head
        while oid:
            commit = self.commits[oid]
            out.append(commit)
            oid = commit.parents[0] if commit.parents else None
        return out


class HubHTTPError(Exception):
    """Raised inside a handler to answer with an error status, Hub style."""

    def __init__(self, status: int, message: str, error_code: str | None = None, body: dict | None = None,
                 headers: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.error_code = status, message, error_code
        self.body = body if body is not None else {"error": message}
        self.headers = headers or {}


@dataclass
class Fault:
    """A planned failure: requests whose `METHOD path` matches `pattern` (a regex, `re.search`) are answered
    by `action` — `"drop"` closes the connection without a response, `"status"` answers `status` — `times`
    times (None: always). `stop_server=True` also stops the whole server when it fires."""

    pattern: str
    action: str = "drop"
    status: int = 500
    times: int | None = 1
    stop_server: bool = False
    fired: int = 0


# --------------------------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------------------------


class LoopbackHub:
    """A Hub-compatible server on 127.0.0.1. `start()` / `stop()` (or `with`), then use `.url` and `.token`.

    Attributes:
        url: the endpoint (`http://127.0.0.1:<port>`), for `HF_ENDPOINT`.
        token: the one valid access token; `user` owns every namespace with it.
        requests: `(method, path, status)` of every request served, for debugging and assertions.
        unhandled: `"METHOD path"` of requests no route knew (answered 404).
    """

    def __init__(self, *, token: str | None = None, user: str = "loopback-user", host: str = "127.0.0.1",
                 port: int = 0, lfs_threshold: int = LFS_THRESHOLD, verbose: bool = False):
        self.token = token or "hf_loopback_" + secrets.token_hex(16)
        self.user = user
        self.host, self.port = host, port
        self.lfs_threshold = lfs_threshold
        self.verbose = verbose
        self.requests: list[tuple[str, str, int]] = []
        self.unhandled: list[str] = []
        self.faults: list[Fault] = []
        self._repos: dict[tuple[str, str], _Repo] = {}
        self._blobs: dict[str, bytes] = {}  # sha256 -> content (regular and LFS files alike)
        self._lock = threading.RLock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._counter = 0

    # -- lifecycle ---------------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        if not self.port:
            raise RuntimeError("LoopbackHub is not started: call start() first.")
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._httpd is not None

    def start(self) -> LoopbackHub:
        if self._httpd is not None:
            return self
        hub = self

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            block_on_close = False
            allow_reuse_address = True

        class Handler(_Handler):
            pass

        Handler.hub = hub
        self._httpd = Server((self.host, self.port), Handler)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"LoopbackHub:{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving: close the listening socket (new connections are refused) and every open connection."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        with self._lock:
            connections, self._connections = list(self._connections), set()
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                conn.close()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        self._thread = None

    def __enter__(self) -> LoopbackHub:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def client_env(self, hf_home: str | os.PathLike, *, token: str | None | bool = True, offline: bool = False,
                   base: dict | None = None) -> dict[str, str]:
        """`client_env(self.url, ...)`; `token=True` (default) uses this server's valid token, `None`/`False`
        sets none, a string sets that one (e.g. a wrong token)."""
        tok = self.token if token is True else (token or None)
        return client_env(self.url, hf_home=hf_home, token=tok, offline=offline, base=base)

    # -- test helpers ------------------------------------------------------------------------------------------

    def inject_fault(self, pattern: str, action: str = "drop", *, status: int = 500, times: int | None = 1,
                     stop_server: bool = False) -> Fault:
        if action not in ("drop", "status"):
            raise ValueError("action must be 'drop' or 'status'")
        fault = Fault(pattern, action, status, times, stop_server)
        with self._lock:
            self.faults.append(fault)
        return fault

    def repo_exists(self, repo_id: str, repo_type: str = "model") -> bool:
        with self._lock:
            return (repo_type, repo_id) in self._repos

    def list_files(self, repo_id: str, revision: str = "main", repo_type: str = "model") -> dict[str, bytes]:
        """Path -> content of a revision, straight from storage."""
        with self._lock:
            repo = self._repos[(repo_type, repo_id)]
            oid = repo.resolve(revision)
            if oid is None:
                raise KeyError(revision)
            return {p: self._blobs[e.sha256] for p, e in repo.commits[oid].files.items()}

    def commit_count(self, repo_id: str, revision: str = "main", repo_type: str = "model") -> int:
        with self._lock:
            repo = self._repos[(repo_type, repo_id)]
            return len(repo.history(repo.resolve(revision)))

    # -- storage operations (called by the handler, under the lock) --------------------------------------------

    def _new_oid(self, *parts: str) -> str:
        self._counter += 1
        return hashlib.sha1("\x00".join((*parts, str(self._counter), str(time.time_ns()))).encode()).hexdigest()

    def _store(self, data: bytes, path: str, force_lfs: bool = False) -> _Entry:
        sha = hashlib.sha256(data).hexdigest()
        self._blobs.setdefault(sha, data)
        lfs = force_lfs or self._wants_lfs(path, len(data), data[:512])
        git_oid = _git_blob_oid(_lfs_pointer(sha, len(data))) if lfs else _git_blob_oid(data)
        return _Entry(sha, len(data), git_oid, lfs)

    def _wants_lfs(self, path: str, size: int, sample: bytes) -> bool:
        if size == 0:
            return False
        if path.lower().endswith(LFS_EXTENSIONS) or "tfevents" in path or size >= self.lfs_threshold:
            return True
        if b"\x00" in sample:
            return True
        try:
            sample.decode("utf-8")
        except UnicodeDecodeError as err:
            return err.start < len(sample) - 4  # a multi-byte character cut by the 512-byte sample is fine
        return False

    def _create_repo(self, repo_type: str, repo_id: str, private: bool) -> _Repo:
        repo = _Repo(repo_type, repo_id, private, _now())
        data = DEFAULT_GITATTRIBUTES.encode()
        files = {".gitattributes": self._store(data, ".gitattributes")}
        oid = self._new_oid(repo_type, repo_id, "initial")
        repo.commits[oid] = _Commit(oid, [], files, "initial commit", "", _now(), self.user)
        repo.branches["main"] = oid
        self._repos[(repo_type, repo_id)] = repo
        return repo


# --------------------------------------------------------------------------------------------------------------
# Request handling
# --------------------------------------------------------------------------------------------------------------

_API_REPO = re.compile(r"^/api/(models|datasets|spaces)/([^/]+)/([^/]+)(?:/(.*))?$")
_LFS = re.compile(r"^/(?:(datasets|spaces)/)?([^/]+)/([^/]+?)\.git/info/lfs/objects/(batch|verify)$")
_RESOLVE = re.compile(r"^/(?:(datasets|spaces)/)?([^/]+)/([^/]+)/resolve/([^/]+)/(.+)$")
_UPLOAD = re.compile(r"^/__lfs__/upload/([0-9a-f]{64})$")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "LoopbackHub/1.0"
    hub: LoopbackHub  # set on a per-server subclass

    # -- plumbing ----------------------------------------------------------------------------------------------

    def setup(self):
        super().setup()
        with self.hub._lock:
            self.hub._connections.add(self.connection)

    def finish(self):
        try:
            super().finish()
        finally:
            with self.hub._lock:
                self.hub._connections.discard(self.connection)

    def log_message(self, format, *args):  # noqa: A002 (signature of the base class)
        if self.hub.verbose:
            super().log_message(format, *args)

    def _read_body(self) -> bytes:
        """Read the whole request body, always (leftover bytes would corrupt the next keep-alive request)."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                if not line:
                    break
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)  # CRLF after each chunk
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, status: int, body: bytes | dict | list | None = None, headers: dict | None = None,
              content_type: str = "application/json") -> None:
        payload = json.dumps(body).encode() if isinstance(body, (dict, list)) else body or b""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for key, value in (headers or {}).items():
            self.send_header(key, str(value))
        if not any(k.lower() == "content-length" for k in (headers or {})):
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD" and payload:
            self.wfile.write(payload)
        self.hub.requests.append((self.command, self.path, status))

    def _error(self, err: HubHTTPError) -> None:
        headers = {"X-Error-Message": err.message, **err.headers}
        if err.error_code:
            headers["X-Error-Code"] = err.error_code
        self._send(err.status, err.body, headers)

    def do_GET(self):
        self._dispatch()

    def do_HEAD(self):
        self._dispatch()

    def do_POST(self):
        self._dispatch()

    def do_PUT(self):
        self._dispatch()

    def do_DELETE(self):
        self._dispatch()

    def _dispatch(self) -> None:
        body = self._read_body()
        split = urlsplit(self.path)
        self.query = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        raw_path = split.path
        if self._fire_fault(f"{self.command} {raw_path}"):
            return
        try:
            self._route(raw_path, body)
        except HubHTTPError as err:
            self._error(err)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as err:  # a bug in the loopback server: answer 500 rather than hang the client
            self._error(HubHTTPError(500, f"loopback hub internal error: {type(err).__name__}: {err}"))

    def _fire_fault(self, line: str) -> bool:
        hub = self.hub
        with hub._lock:
            fault = next((f for f in hub.faults if (f.times is None or f.fired < f.times)
                          and re.search(f.pattern, line)), None)
            if fault is None:
                return False
            fault.fired += 1
        self.close_connection = True
        if fault.action == "status":
            self._error(HubHTTPError(fault.status, f"loopback hub: injected fault on {line}"))
            with contextlib.suppress(OSError):
                self.wfile.flush()
        else:
            hub.requests.append((self.command, self.path, 0))
        if fault.stop_server:
            # Stop before the client hears anything: its next request must find no server (connection refused).
            hub.stop()
        elif fault.action == "drop":
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
        return True

    # -- auth --------------------------------------------------------------------------------------------------

    def _auth(self) -> bool:
        """True with the valid token, False without any; a wrong token is a 401 straight away."""
        header = self.headers.get("Authorization")
        if not header:
            return False
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer" and secrets.compare_digest(value.strip().encode(), self.hub.token.encode()):
            return True
        raise HubHTTPError(401, "Invalid credentials in Authorization header",
                           body={"error": "Invalid credentials in Authorization header"})

    def _require_auth(self) -> None:
        if not self._auth():
            raise HubHTTPError(401, "You must be authenticated to perform this action (pass a token).",
                               body={"error": "Invalid username or password."})

    def _repo(self, repo_type: str, repo_id: str, *, write: bool = False) -> _Repo:
        authed = self._auth()
        if write and not authed:
            raise HubHTTPError(401, "Repository not found", "RepoNotFound")
        repo = self.hub._repos.get((repo_type, repo_id))
        if repo is None or (repo.private and not authed):
            raise HubHTTPError(404 if authed else 401, "Repository not found", "RepoNotFound")
        return repo

    @staticmethod
    def _revision(repo: _Repo, revision: str) -> str:
        oid = repo.resolve(revision)
        if oid is None:
            raise HubHTTPError(404, f"Invalid rev id: {revision}", "RevisionNotFound")
        return oid

    def _base(self) -> str:
        return self.hub.url

    def _repo_url(self, repo: _Repo) -> str:
        return f"{self._base()}/{URL_PREFIX[repo.repo_type]}{repo.repo_id}"

    # -- routing -----------------------------------------------------------------------------------------------

    def _route(self, path: str, body: bytes) -> None:
        method, hub = self.command, self.hub
        if path == "/api/whoami-v2" and method == "GET":
            return self._whoami()
        if path == "/api/validate-yaml" and method == "POST":
            return self._validate_yaml(body)
        if path == "/api/repos/create" and method == "POST":
            with hub._lock:
                return self._create_repo(body)
        if path == "/api/repos/delete" and method == "DELETE":
            with hub._lock:
                return self._delete_repo(body)
        if (m := _UPLOAD.match(path)) and method == "PUT":
            return self._lfs_put(m.group(1), body)
        if (m := _LFS.match(path)) and method == "POST":
            repo_type = REPO_TYPES.get(m.group(1) or "models", "model")
            with hub._lock:
                repo = self._repo(repo_type, f"{unquote(m.group(2))}/{unquote(m.group(3))}", write=True)
                return self._lfs_batch(repo, _json(body)) if m.group(4) == "batch" else self._lfs_verify(_json(body))
        if (m := _API_REPO.match(path)):
            repo_type = REPO_TYPES[m.group(1)]
            repo_id = f"{unquote(m.group(2))}/{unquote(m.group(3))}"
            with hub._lock:
                return self._api_repo(repo_type, repo_id, m.group(4) or "", body)
        if (m := _RESOLVE.match(path)) and method in ("GET", "HEAD"):
            repo_type = REPO_TYPES.get(m.group(1) or "models", "model")
            repo_id = f"{unquote(m.group(2))}/{unquote(m.group(3))}"
            with hub._lock:
                return self._resolve(repo_type, repo_id, unquote(m.group(4)), unquote(m.group(5)))
        hub.unhandled.append(f"{method} {self.path}")
        raise HubHTTPError(404, f"loopback hub: no route for {method} {path}")

    def _api_repo(self, repo_type: str, repo_id: str, rest: str, body: bytes) -> None:
        method = self.command
        parts = rest.split("/", 1) if rest else [""]
        action, arg = parts[0], (parts[1] if len(parts) > 1 else "")
        if action == "" and method == "GET":
            repo = self._repo(repo_type, repo_id)
            return self._send(200, self._info(repo, repo.branches["main"]))
        if action == "revision" and method == "GET":
            repo = self._repo(repo_type, repo_id)
            return self._send(200, self._info(repo, self._revision(repo, unquote(arg))))
        if action == "tree" and method == "GET":
            rev, _, sub = arg.partition("/")
            return self._tree(self._repo(repo_type, repo_id), unquote(rev), unquote(sub))
        if action == "paths-info" and method == "POST":
            return self._paths_info(self._repo(repo_type, repo_id), unquote(arg), body)
        if action == "refs" and method == "GET":
            return self._refs(self._repo(repo_type, repo_id))
        if action == "commits" and method == "GET":
            return self._commits(self._repo(repo_type, repo_id), unquote(arg or "main"))
        if action == "preupload" and method == "POST":
            return self._preupload(self._repo(repo_type, repo_id, write=True), unquote(arg), _json(body))
        if action == "commit" and method == "POST":
            return self._commit(self._repo(repo_type, repo_id, write=True), unquote(arg), body)
        if action == "branch" and method in ("POST", "DELETE"):
            return self._branch(self._repo(repo_type, repo_id, write=True), unquote(arg), _json(body))
        if action == "tag" and method in ("POST", "DELETE"):
            return self._tag(self._repo(repo_type, repo_id, write=True), unquote(arg), _json(body))
        if action == "settings" and method == "PUT":
            repo = self._repo(repo_type, repo_id, write=True)
            settings = _json(body)
            if "private" in settings:
                repo.private = bool(settings["private"])
            if "visibility" in settings:
                repo.private = settings["visibility"] == "private"
            return self._send(200, {"private": repo.private})
        self.hub.unhandled.append(f"{method} {self.path}")
        raise HubHTTPError(404, f"loopback hub: no route for {method} {self.path}")

    # -- endpoints ---------------------------------------------------------------------------------------------

    def _whoami(self) -> None:
        if not self._auth():
            raise HubHTTPError(401, "Invalid credentials in Authorization header")
        hub = self.hub
        self._send(200, {
            "type": "user", "id": "0" * 24, "name": hub.user, "fullname": "Loopback User",
            "email": None, "emailVerified": False, "canPay": False, "isPro": False, "orgs": [],
            "auth": {"type": "access_token", "accessToken": {"displayName": "loopback", "role": "write",
                                                              "createdAt": _now()}},
        })

    def _validate_yaml(self, body: bytes) -> None:
        self._auth()
        content = _json(body).get("content", "")
        errors = []
        match = re.match(r"^\s*---\s*\n(.*?)\n---\s*(\n|$)", content, flags=re.S)
        if match:
            try:
                import yaml

                data = yaml.safe_load(match.group(1))
                if data is not None and not isinstance(data, dict):
                    errors.append({"message": "YAML metadata must be a mapping"})
            except ImportError:
                pass
            except Exception as err:  # yaml.YAMLError
                errors.append({"message": f"Invalid YAML metadata: {err}"})
        if errors:
            return self._send(400, {"errors": errors, "warnings": [], "error": errors[0]["message"]})
        self._send(200, {"errors": [], "warnings": []})

    def _create_repo(self, body: bytes) -> None:
        self._require_auth()
        payload = _json(body)
        name, org = payload.get("name"), payload.get("organization")
        repo_type = payload.get("type") or "model"
        if not name or repo_type not in URL_PREFIX or not re.fullmatch(r"[\w.\-]{1,96}", name):
            raise HubHTTPError(400, f"Invalid repo name {name!r}")
        repo_id = f"{org or self.hub.user}/{name}"
        private = payload.get("private")
        if "visibility" in payload:
            private = payload["visibility"] == "private"
        existing = self.hub._repos.get((repo_type, repo_id))
        if existing is not None:
            return self._send(409, {"error": "You already created this repo", "url": self._repo_url(existing)},
                              {"X-Error-Message": "You already created this repo"})
        repo = self.hub._create_repo(repo_type, repo_id, bool(private))
        self._send(200, {"url": self._repo_url(repo), "name": repo_id, "id": repo_id})

    def _delete_repo(self, body: bytes) -> None:
        self._require_auth()
        payload = _json(body)
        repo_type = payload.get("type") or "model"
        repo_id = f"{payload.get('organization') or self.hub.user}/{payload.get('name')}"
        if self.hub._repos.pop((repo_type, repo_id), None) is None:
            raise HubHTTPError(404, "Repository not found", "RepoNotFound")
        self._send(200, {})

    def _info(self, repo: _Repo, oid: str) -> dict:
        commit = repo.commits[oid]
        blobs = self.query.get("blobs", "").lower() in ("1", "true")
        siblings = []
        for path in sorted(commit.files):
            entry = commit.files[path]
            sibling: dict = {"rfilename": path}
            if blobs:
                sibling.update(size=entry.size, blobId=entry.git_oid)
                if entry.lfs:
                    sibling["lfs"] = {"size": entry.size, "sha256": entry.sha256,
                                      "pointerSize": len(_lfs_pointer(entry.sha256, entry.size))}
            siblings.append(sibling)
        info = {
            "_id": hashlib.sha1(f"{repo.repo_type}/{repo.repo_id}".encode()).hexdigest()[:24],
            "id": repo.repo_id, "author": repo.repo_id.split("/")[0], "sha": oid,
            "lastModified": commit.date, "createdAt": repo.created_at, "private": repo.private,
            "gated": False, "disabled": False, "downloads": 0, "likes": 0, "tags": [],
            "siblings": siblings, "usedStorage": sum(e.size for e in commit.files.values()),
        }
        card = self._card_data(commit)
        if card is not None:
            info["cardData"] = card
            info["tags"] = list(card.get("tags") or [])
            if repo.repo_type == "model":
                info["library_name"] = card.get("library_name")
                info["pipeline_tag"] = card.get("pipeline_tag")
        return info

    def _card_data(self, commit: _Commit) -> dict | None:
        entry = commit.files.get("README.md")
        if entry is None:
            return None
        text = self.hub._blobs[entry.sha256].decode("utf-8", "replace")
        match = re.match(r"^\s*---\s*\n(.*?)\n---\s*(\n|$)", text, flags=re.S)
        if not match:
            return None
        try:
            import yaml

            data = yaml.safe_load(match.group(1))
        except Exception:
            return None
        return data if isinstance(data, dict) else None

    def _last_commit(self, repo: _Repo, head: str, path: str) -> dict:
        """The newest commit that changed `path` (a file or a folder prefix)."""
        history = repo.history(head)
        def snapshot(c: _Commit):
            return {p: e.git_oid for p, e in c.files.items() if p == path or p.startswith(path + "/") or not path}
        for commit, parent in zip(history, history[1:] + [None]):
            if parent is None or snapshot(commit) != snapshot(parent):
                return {"id": commit.oid, "title": commit.title, "date": commit.date}
        return {"id": head, "title": "", "date": _now()}

    def _tree_items(self, repo: _Repo, oid: str, folder: str, recursive: bool, expand: bool) -> list[dict] | None:
        files = repo.commits[oid].files
        prefix = folder.strip("/") + "/" if folder.strip("/") else ""
        if prefix and not any(p.startswith(prefix) for p in files):
            return None
        items, folders = [], set()
        for path in sorted(files):
            if not path.startswith(prefix):
                continue
            rest = path[len(prefix):]
            parts = rest.split("/")
            for depth in range(1, len(parts)):
                if depth > 1 and not recursive:
                    break
                folders.add(prefix + "/".join(parts[:depth]))
            if len(parts) == 1 or recursive:
                items.append(files[path].tree_json(path, self._last_commit(repo, oid, path) if expand else None))
        for name in sorted(folders):
            items.append(self._folder_json(repo, oid, name, expand))
        return sorted(items, key=lambda item: (item["type"] != "directory", item["path"]))

    def _folder_json(self, repo: _Repo, oid: str, name: str, expand: bool) -> dict:
        files = repo.commits[oid].files
        children = sorted((p, e.git_oid) for p, e in files.items() if p.startswith(name + "/"))
        item = {"type": "directory", "oid": hashlib.sha1(json.dumps(children).encode()).hexdigest(), "size": 0,
                "path": name}
        if expand:
            item["lastCommit"] = self._last_commit(repo, oid, name)
        return item

    def _tree(self, repo: _Repo, revision: str, folder: str) -> None:
        oid = self._revision(repo, revision)
        recursive = self.query.get("recursive", "").lower() in ("1", "true")
        expand = self.query.get("expand", "").lower() in ("1", "true")
        items = self._tree_items(repo, oid, folder, recursive, expand)
        if items is None:
            raise HubHTTPError(404, f"{folder} does not exist on \"{revision}\"", "EntryNotFound",
                               headers={"X-Repo-Commit": oid})
        self._send(200, items, {"X-Repo-Commit": oid})

    def _paths_info(self, repo: _Repo, revision: str, body: bytes) -> None:
        oid = self._revision(repo, revision)
        if self.headers.get("Content-Type", "").startswith("application/json"):
            payload = _json(body)
            paths, expand = payload.get("paths", []), bool(payload.get("expand"))
        else:
            form = parse_qs(body.decode(), keep_blank_values=True)
            paths = form.get("paths", [])
            expand = (form.get("expand", ["false"])[-1]).lower() in ("1", "true")
        files, out = repo.commits[oid].files, []
        for path in paths if isinstance(paths, list) else [paths]:
            path = path.strip("/")
            if path in files:
                out.append(files[path].tree_json(path, self._last_commit(repo, oid, path) if expand else None))
            elif path and any(p.startswith(path + "/") for p in files):
                out.append(self._folder_json(repo, oid, path, expand))
        self._send(200, out, {"X-Repo-Commit": oid})

    def _refs(self, repo: _Repo) -> None:
        def ref(kind: str, name: str, oid: str) -> dict:
            return {"name": name, "ref": f"refs/{kind}/{name}", "targetCommit": oid}
        self._send(200, {
            "branches": [ref("heads", n, o) for n, o in sorted(repo.branches.items())],
            "tags": [ref("tags", n, o) for n, o in sorted(repo.tags.items())],
            "converts": [],
            "pullRequests": [{"name": f"refs/pr/{n}", "ref": f"refs/pr/{n}", "targetCommit": o}
                             for n, o in sorted(repo.prs.items())],
        })

    def _commits(self, repo: _Repo, revision: str) -> None:
        oid = self._revision(repo, revision)
        self._send(200, [{"id": c.oid, "title": c.title, "message": c.message, "date": c.date,
                          "authors": [{"user": c.author}]} for c in repo.history(oid)])

    def _preupload(self, repo: _Repo, revision: str, payload: dict) -> None:
        oid = self._revision(repo, revision)
        existing = repo.commits[oid].files
        out = []
        for item in payload.get("files", []):
            path, size = item["path"], int(item.get("size", 0))
            sample = base64.b64decode(item.get("sample", "") or b"")
            lfs = self.hub._wants_lfs(path, size, sample)
            entry = existing.get(path)
            remote_oid = None
            if entry is not None:
                remote_oid = entry.sha256 if lfs else _git_blob_oid(self.hub._blobs[entry.sha256])
            out.append({"path": path, "uploadMode": "lfs" if lfs else "regular", "shouldIgnore": False,
                        "oid": remote_oid})
        self._send(200, {"files": out, "commitOid": oid})

    def _lfs_batch(self, repo: _Repo, payload: dict) -> None:
        if payload.get("operation") != "upload":
            raise HubHTTPError(400, "loopback hub: only LFS uploads are supported (downloads go through /resolve)")
        objects = []
        for obj in payload.get("objects", []):
            oid, size = obj["oid"], int(obj["size"])
            item: dict = {"oid": oid, "size": size, "authenticated": True}
            if oid not in self.hub._blobs:
                item["actions"] = {
                    "upload": {"href": f"{self._base()}/__lfs__/upload/{oid}", "header": {}},
                    "verify": {"href": f"{self._repo_url(repo)}.git/info/lfs/objects/verify", "header": {}},
                }
            objects.append(item)
        self._send(200, {"transfer": "basic", "objects": objects, "hash_algo": "sha256"},
                   content_type="application/vnd.git-lfs+json")

    def _lfs_put(self, oid: str, body: bytes) -> None:
        # Like a pre-signed S3 URL: no token needed, the content must match the oid.
        if hashlib.sha256(body).hexdigest() != oid:
            raise HubHTTPError(400, "loopback hub: uploaded content does not match its sha256 oid")
        with self.hub._lock:
            self.hub._blobs.setdefault(oid, body)
        self._send(200, b"", {"ETag": f'"{oid}"'})

    def _lfs_verify(self, payload: dict) -> None:
        oid, size = payload.get("oid"), payload.get("size")
        blob = self.hub._blobs.get(oid)
        if blob is None or (size is not None and len(blob) != int(size)):
            raise HubHTTPError(404, f"LFS object {oid} not found (or wrong size)")
        self._send(200, {"success": True})

    def _commit(self, repo: _Repo, revision: str, body: bytes) -> None:
        lines = [json.loads(line) for line in body.decode().splitlines() if line.strip()]
        if not lines or lines[0].get("key") != "header":
            raise HubHTTPError(400, "The commit payload must start with a header line")
        header = lines[0]["value"]
        create_pr = self.query.get("create_pr") == "1"
        if revision not in repo.branches and not revision.startswith("refs/pr/"):
            if repo.resolve(revision) is None:
                raise HubHTTPError(404, f"Invalid rev id: {revision}", "RevisionNotFound")
            raise HubHTTPError(400, f"Invalid rev id: {revision} is not a branch: commits go to branches")
        parent = repo.resolve(revision)
        if parent is None:
            raise HubHTTPError(404, f"Invalid rev id: {revision}", "RevisionNotFound")
        expected = header.get("parentCommit")
        if expected and not create_pr and not parent.startswith(expected):
            raise HubHTTPError(412, "A commit has happened since the parent commit: the branch moved on")
        files = dict(repo.commits[parent].files)
        for line in lines[1:]:
            key, value = line.get("key"), line.get("value", {})
            path = value.get("path", "").strip("/")
            if key == "file":
                content = value.get("content", "")
                data = base64.b64decode(content) if value.get("encoding") == "base64" else content.encode()
                files[path] = self.hub._store(data, path)
            elif key == "lfsFile":
                oid = value.get("oid")
                data = self.hub._blobs.get(oid)
                if data is None:
                    raise HubHTTPError(422, f"LFS file {path} (oid {oid}) was never uploaded")
                files[path] = self.hub._store(data, path, force_lfs=True)
            elif key == "deletedFile":
                if files.pop(path, None) is None:
                    raise HubHTTPError(404, f"A file with this name doesn't exist: {path}", "EntryNotFound")
            elif key == "deletedFolder":
                gone = [p for p in files if p.startswith(path + "/")]
                if not gone:
                    raise HubHTTPError(404, f"A folder with this name doesn't exist: {path}", "EntryNotFound")
                for p in gone:
                    del files[p]
            else:
                raise HubHTTPError(400, f"loopback hub: unsupported commit operation {key!r}")
        summary = header.get("summary") or "commit"
        oid = self.hub._new_oid(repo.repo_id, parent, summary)
        repo.commits[oid] = _Commit(oid, [parent], files, summary, header.get("description") or "", _now(),
                                    self.hub.user)
        answer = {"success": True, "commitOid": oid, "commitUrl": f"{self._repo_url(repo)}/commit/{oid}",
                  "hookOutput": ""}
        if create_pr:
            number = max(repo.prs, default=0) + 1
            repo.prs[number] = oid
            answer["pullRequestUrl"] = f"{self._repo_url(repo)}/discussions/{number}"
        elif revision.startswith("refs/pr/"):
            repo.prs[int(revision.rsplit("/", 1)[1])] = oid
        else:
            repo.branches[revision] = oid
        self._send(200, answer)

    def _branch(self, repo: _Repo, branch: str, payload: dict) -> None:
        if self.command == "DELETE":
            if branch == "main" or repo.branches.pop(branch, None) is None:
                raise HubHTTPError(404 if branch != "main" else 403, f"Cannot delete branch {branch}",
                                   "RevisionNotFound" if branch != "main" else None)
            return self._send(200, {})
        if branch in repo.branches:
            raise HubHTTPError(409, f"Branch {branch} already exists")
        start = payload.get("startingPoint") or "main"
        repo.branches[branch] = self._revision(repo, start)
        self._send(200, {})

    def _tag(self, repo: _Repo, arg: str, payload: dict) -> None:
        if self.command == "DELETE":
            if repo.tags.pop(arg, None) is None:
                raise HubHTTPError(404, f"Tag {arg} not found", "RevisionNotFound")
            return self._send(200, {})
        tag = payload.get("tag")
        if not tag:
            raise HubHTTPError(400, "Missing tag name")
        if tag in repo.tags:
            raise HubHTTPError(409, f"Tag {tag} already exists")
        repo.tags[tag] = self._revision(repo, arg)
        self._send(200, {})

    def _resolve(self, repo_type: str, repo_id: str, revision: str, path: str) -> None:
        repo = self._repo(repo_type, repo_id)
        oid = self._revision(repo, revision)
        entry = repo.commits[oid].files.get(path)
        if entry is None:
            raise HubHTTPError(404, "Entry not found", "EntryNotFound", headers={"X-Repo-Commit": oid})
        data = self.hub._blobs[entry.sha256]
        etag = entry.sha256 if entry.lfs else entry.git_oid
        headers = {"X-Repo-Commit": oid, "ETag": f'"{etag}"', "Accept-Ranges": "bytes",
                   "Content-Disposition": f"inline; filename*=UTF-8''{quote(path.rsplit('/', 1)[-1])}"}
        if entry.lfs:
            headers.update({"X-Linked-Etag": f'"{etag}"', "X-Linked-Size": str(entry.size)})
        status, payload = 200, data
        wanted = self.headers.get("Range")
        if wanted and self.command == "GET":
            span = _parse_range(wanted, len(data))
            if span is None:
                raise HubHTTPError(416, "Range not satisfiable", headers={"Content-Range": f"bytes */{len(data)}"})
            start, end = span
            status, payload = 206, data[start:end + 1]
            headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
        headers["Content-Length"] = str(len(payload))
        self._send(status, payload, headers, content_type="application/octet-stream")


def _parse_range(header: str, size: int) -> tuple[int, int] | None:
    match = re.fullmatch(r"\s*bytes=(\d*)-(\d*)\s*", header)
    if not match or (not match.group(1) and not match.group(2)):
        return None
    if not match.group(1):  # suffix: the last N bytes
        n = int(match.group(2))
        return (max(size - n, 0), size - 1) if n > 0 and size > 0 else None
    start = int(match.group(1))
    end = min(int(match.group(2)), size - 1) if match.group(2) else size - 1
    return (start, end) if start <= end and start < size else None


def _json(body: bytes) -> dict:
    if not body:
        return {}
    try:
        data = json.loads(body)
    except ValueError as err:
        raise HubHTTPError(400, f"Invalid JSON body: {err}") from None
    return data if isinstance(data, dict) else {}
