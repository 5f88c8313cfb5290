"""The loopback Hub speaks the protocol details the clients rely on (checked with plain http.client)."""

import base64
import hashlib
import http.client
import json
import socket

import pytest

from classicnets.testing import LoopbackHub, client_env


@pytest.fixture
def hub():
    with LoopbackHub(token="hf_LoopbackUnitTestToken0123") as server:
        yield server


class Client:
    """One keep-alive connection, like the clients' connection pools."""

    def __init__(self, hub, token=None):
        self.conn = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=5)
        self.token = token

    def request(self, method, path, body=None, headers=None, token="default"):
        headers = dict(headers or {})
        token = self.token if token == "default" else token
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        return response.status, dict(response.getheaders()), data

    def json(self, *args, **kwargs):
        status, headers, data = self.request(*args, **kwargs)
        return status, headers, json.loads(data) if data else None


def commit(client, repo, files, revision="main", summary="add", repo_type="models"):
    lines = [{"key": "header", "value": {"summary": summary, "description": ""}}]
    for path, data in files.items():
        lines.append({"key": "file", "value": {"path": path, "content": base64.b64encode(data).decode(),
                                               "encoding": "base64"}})
    body = b"".join(json.dumps(line).encode() + b"\n" for line in lines)
    return client.json("POST", f"/api/{repo_type}/{repo}/commit/{revision}", body,
                       {"Content-Type": "application/x-ndjson"})


def test_create_repo_conflict_still_gives_url(hub):
    c = Client(hub, hub.token)
    status, _, body = c.json("POST", "/api/repos/create", {"name": "m", "organization": "org", "type": "model"})
    assert status == 200 and body["url"] == f"{hub.url}/org/m"
    status, _, body = c.json("POST", "/api/repos/create", {"name": "m", "organization": "org", "type": "model"})
    assert status == 409 and body["url"] == f"{hub.url}/org/m"
    status, _, body = c.json("POST", "/api/repos/create", {"name": "d", "organization": "org", "type": "dataset"})
    assert body["url"] == f"{hub.url}/datasets/org/d"


def test_refused_requests_keep_the_connection_usable(hub):
    """A refused request's body is read anyway, so the next request on the same connection parses."""
    c = Client(hub)  # no token: the create is refused
    status, _, _ = c.request("POST", "/api/repos/create", json.dumps({"name": "x" * 5000}).encode(),
                             {"Content-Type": "application/json"})
    assert status == 401
    status, _, _ = c.request("POST", "/api/repos/create", b"A" * 100_000, token="hf_wrong")
    assert status == 401
    status, _, body = c.json("POST", "/api/validate-yaml", {"content": "---\nlicense: mit\n---\n"})
    assert status == 200 and body["errors"] == []


def test_validate_yaml_always_answers_json(hub):
    c = Client(hub, hub.token)
    status, headers, body = c.json("POST", "/api/validate-yaml", {"content": "---\n- a: [unclosed\n---\nx"})
    assert status == 400 and headers["Content-Type"] == "application/json" and body["errors"]
    assert c.json("POST", "/api/validate-yaml", {"content": "no metadata"})[0] == 200


def test_revisions_history_and_errors(hub):
    c = Client(hub, hub.token)
    c.json("POST", "/api/repos/create", {"name": "m", "organization": "org"})
    _, _, first = commit(c, "org/m", {"a.txt": b"one"})
    assert c.json("POST", "/api/models/org/m/tag/main", {"tag": "v1"})[0] == 200
    assert c.json("POST", "/api/models/org/m/branch/dev", {})[0] == 200
    _, _, second = commit(c, "org/m", {"a.txt": b"two"}, revision="dev")
    assert c.json("POST", "/api/models/org/m/branch/dev", {})[0] == 409
    reads = {"main": b"one", "v1": b"one", first["commitOid"]: b"one", first["commitOid"][:7]: b"one",
             "dev": b"two", second["commitOid"]: b"two", "refs%2Fheads%2Fdev": b"two"}
    for revision, content in reads.items():
        status, headers, data = c.request("GET", f"/org/m/resolve/{revision}/a.txt")
        assert (status, data) == (200, content), revision
        assert len(headers["X-Repo-Commit"]) == 40 and headers["ETag"].startswith('"')
    status, headers, _ = c.request("HEAD", "/org/m/resolve/main/a.txt")
    assert status == 200 and headers["Content-Length"] == "3"
    status, headers, _ = c.request("HEAD", "/org/m/resolve/main/missing.txt")
    assert status == 404 and headers["X-Error-Code"] == "EntryNotFound" and "X-Repo-Commit" in headers
    status, headers, _ = c.request("GET", "/org/m/resolve/nope/a.txt")
    assert status == 404 and headers["X-Error-Code"] == "RevisionNotFound"
    status, headers, _ = c.request("GET", "/api/models/org/missing")
    assert status == 404 and headers["X-Error-Code"] == "RepoNotFound"
    status, _, info = c.json("GET", f"/api/models/org/m/revision/{first['commitOid']}")
    assert info["sha"] == first["commitOid"] and [s["rfilename"] for s in info["siblings"]] == [".gitattributes",
                                                                                              "a.txt"]
    status, _, commits = c.json("GET", "/api/models/org/m/commits/dev")
    assert [x["title"] for x in commits] == ["add", "add", "initial commit"]
    # Commits go to branches only.
    assert commit(c, "org/m", {"b.txt": b"x"}, revision="v1")[0] == 400
    assert hub.commit_count("org/m", "dev") == 3 and hub.list_files("org/m", "v1")["a.txt"] == b"one"


def test_tree_and_paths_info(hub):
    c = Client(hub, hub.token)
    c.json("POST", "/api/repos/create", {"name": "m", "organization": "org"})
    commit(c, "org/m", {"top.txt": b"t", "dir/a.txt": b"a", "dir/sub/b.txt": b"b"})
    _, _, root = c.json("GET", "/api/models/org/m/tree/main")
    assert [(x["type"], x["path"]) for x in root] == [("directory", "dir"), ("file", ".gitattributes"),
                                                       ("file", "top.txt")]
    _, _, deep = c.json("GET", "/api/models/org/m/tree/main/dir?recursive=true&expand=true")
    assert {x["path"] for x in deep} == {"dir/a.txt", "dir/sub", "dir/sub/b.txt"}
    assert all("lastCommit" in x for x in deep)
    status, headers, _ = c.request("GET", "/api/models/org/m/tree/main/nowhere")
    assert status == 404 and headers["X-Error-Code"] == "EntryNotFound"
    status, _, info = c.json("POST", "/api/models/org/m/paths-info/main",
                             b"paths=dir&paths=top.txt&paths=no&expand=False",
                             {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200 and sorted(x["path"] for x in info) == ["dir", "top.txt"]


def test_preupload_modes_and_lfs_upload(hub):
    c = Client(hub, hub.token)
    c.json("POST", "/api/repos/create", {"name": "d", "organization": "org", "type": "dataset"})
    files = [
        {"path": "README.md", "size": 10, "sample": base64.b64encode(b"# hello\n").decode()},
        {"path": "data/train.parquet", "size": 10, "sample": base64.b64encode(b"PAR1").decode()},
        {"path": "blob.dat", "size": 10, "sample": base64.b64encode(b"\x00\x01\x02").decode()},
        {"path": "big.txt", "size": 11 * 1024 * 1024, "sample": base64.b64encode(b"text").decode()},
    ]
    _, _, modes = c.json("POST", "/api/datasets/org/d/preupload/main", {"files": files})
    assert {f["path"]: f["uploadMode"] for f in modes["files"]} == {
        "README.md": "regular", "data/train.parquet": "lfs", "blob.dat": "lfs", "big.txt": "lfs"}
    data = b"PAR1" + bytes(range(256)) * 4
    oid = hashlib.sha256(data).hexdigest()
    _, _, batch = c.json("POST", "/datasets/org/d.git/info/lfs/objects/batch",
                         {"operation": "upload", "transfers": ["basic"], "objects": [{"oid": oid, "size": len(data)}]})
    upload = batch["objects"][0]["actions"]["upload"]["href"]
    # The PUT carries no token (like a pre-signed URL) and may be chunked.
    put = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=5)
    put.putrequest("PUT", upload.replace(hub.url, ""))
    put.putheader("Transfer-Encoding", "chunked")
    put.endheaders()
    for i in range(0, len(data), 300):
        piece = data[i:i + 300]
        put.send(b"%x\r\n" % len(piece) + piece + b"\r\n")
    put.send(b"0\r\n\r\n")
    assert put.getresponse().status == 200
    verify = batch["objects"][0]["actions"]["verify"]["href"].replace(hub.url, "")
    assert c.json("POST", verify, {"oid": oid, "size": len(data)})[0] == 200
    lines = [{"key": "header", "value": {"summary": "data"}},
             {"key": "lfsFile", "value": {"path": "data/train.parquet", "algo": "sha256", "oid": oid,
                                          "size": len(data)}}]
    body = b"".join(json.dumps(line).encode() + b"\n" for line in lines)
    assert c.json("POST", "/api/datasets/org/d/commit/main", body)[0] == 200
    status, headers, got = c.request("GET", "/datasets/org/d/resolve/main/data/train.parquet",
                                     headers={"Range": "bytes=4-9"})
    assert status == 206 and got == data[4:10] and headers["Content-Range"] == f"bytes 4-9/{len(data)}"
    status, headers, _ = c.request("HEAD", "/datasets/org/d/resolve/main/data/train.parquet")
    assert headers["ETag"] == f'"{oid}"' and headers["X-Linked-Size"] == str(len(data))
    # A batch for content already stored needs no upload.
    _, _, again = c.json("POST", "/datasets/org/d.git/info/lfs/objects/batch",
                         {"operation": "upload", "objects": [{"oid": oid, "size": len(data)}]})
    assert "actions" not in again["objects"][0]


def test_private_repos_are_invisible_without_the_token(hub):
    owner, anonymous, wrong = Client(hub, hub.token), Client(hub), Client(hub, "hf_NotTheRightToken")
    owner.json("POST", "/api/repos/create", {"name": "secret", "organization": "org", "private": True})
    commit(owner, "org/secret", {"a.txt": b"x"})
    assert owner.json("GET", "/api/models/org/secret")[2]["private"] is True
    for path in ("/api/models/org/secret", "/org/secret/resolve/main/a.txt", "/api/models/org/secret/tree/main"):
        status, headers, _ = anonymous.request("GET", path)
        assert status == 401 and headers["X-Error-Code"] == "RepoNotFound", path
        status, headers, _ = wrong.request("GET", path)
        assert status == 401 and headers["X-Error-Message"] == "Invalid credentials in Authorization header"
    # Owner sees 404 for a repo that does not exist (not 401).
    assert owner.request("GET", "/api/models/org/nothing")[0] == 404
    # Writes need the token.
    assert commit(anonymous, "org/secret", {"b.txt": b"y"})[0] == 401


def test_stop_refuses_new_connections_and_closes_open_ones():
    hub = LoopbackHub().start()
    c = Client(hub, hub.token)
    assert c.request("GET", "/api/whoami-v2")[0] == 200
    hub.stop()
    with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
        c.request("GET", "/api/whoami-v2")
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", hub.port), timeout=2):
        pass


def test_faults_drop_or_answer_with_a_status(hub):
    c = Client(hub, hub.token)
    hub.inject_fault(r"^GET /api/whoami-v2", "status", status=503)
    assert c.request("GET", "/api/whoami-v2")[0] == 503
    c = Client(hub, hub.token)
    assert c.request("GET", "/api/whoami-v2")[0] == 200  # times=1: only once
    hub.inject_fault(r"^GET /api/whoami-v2", "drop")
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        c.request("GET", "/api/whoami-v2")


def test_client_env_is_clean(tmp_path):
    base = {"PATH": "/bin", "HF_ENDPOINT": "https://huggingface.co", "HUGGINGFACE_CO_STAGING": "1",
            "HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": "/elsewhere", "HTTPS_PROXY": "http://proxy:3128"}
    env = client_env("http://127.0.0.1:1234/", hf_home=tmp_path, token="hf_x", base=base)
    assert env["HF_ENDPOINT"] == "http://127.0.0.1:1234" and env["HF_HOME"] == str(tmp_path)
    assert env["HF_TOKEN"] == "hf_x" and env["HF_HUB_DISABLE_XET"] == "1" and env["PATH"] == "/bin"
    for name in ("HUGGINGFACE_CO_STAGING", "HF_HUB_OFFLINE", "HF_HUB_CACHE", "HTTPS_PROXY"):
        assert name not in env
    assert client_env("http://x", hf_home=tmp_path, offline=True, base={})["HF_HUB_OFFLINE"] == "1"
