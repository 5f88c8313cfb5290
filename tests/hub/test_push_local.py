"""push_checkpoint and `classicnets push` in this process: local checks (before any network) and error
translation against the session's loopback Hub through `endpoint=` (Xet switched off by patching the constant,
since this process imported huggingface_hub long ago; the subprocess tests use the real environment)."""

import logging

import pytest
from huggingface_hub import constants

from classicnets.commands.push import build_parser, main
from classicnets.errors import OptionError, UserError, as_user_error
from classicnets.hub import HubError, push_checkpoint, scrub_token

from .conftest import tree_fingerprint

pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")  # inside huggingface_hub

CLOSED = "http://127.0.0.1:9"  # nothing listens there: a local check must fail before trying the network


@pytest.fixture
def checkpoint(tmp_path):
    from classicnets import CharLSTMConfig, CharLSTMForCausalLM, CharTokenizer

    tokenizer = CharTokenizer.from_corpus("abc def")
    model = CharLSTMForCausalLM(CharLSTMConfig.from_preset("tiny", vocab_size=len(tokenizer)))
    folder = tmp_path / "ckpt"
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    (folder / "README.md").write_text("---\nlicense: apache-2.0\nlibrary_name: classicnets\n---\n# m\n")
    return folder


@pytest.fixture
def no_xet(monkeypatch):
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", True)


@pytest.mark.parametrize("name", ["pytorch_model.bin", "weights.pt", "sub/state.pkl", "optimizer.pth"])
def test_pickle_files_are_refused(checkpoint, name):
    (checkpoint / name).parent.mkdir(exist_ok=True)
    (checkpoint / name).write_bytes(b"pickle")
    with pytest.raises(HubError, match="Refusing to upload pickle files") as info:
        push_checkpoint(checkpoint, "o/m", token="hf_x", endpoint=CLOSED)
    assert info.value.reason == "checkpoint" and name in str(info.value)


def test_not_a_checkpoint(tmp_path, checkpoint):
    for folder, message in ((tmp_path / "missing", "does not exist"), (checkpoint / "config.json", "is a file")):
        with pytest.raises(HubError, match=message):
            push_checkpoint(folder, "o/m", token="hf_x", endpoint=CLOSED)
    (checkpoint / "model.safetensors").unlink()
    with pytest.raises(HubError, match="No safetensors weights"):
        push_checkpoint(checkpoint, "o/m", token="hf_x", endpoint=CLOSED)


def test_no_token_anywhere(checkpoint, monkeypatch, tmp_path):
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(tmp_path / "no-token"))
    monkeypatch.setattr(constants, "HF_STORED_TOKENS_PATH", str(tmp_path / "no-stored-tokens"))
    with pytest.raises(HubError, match="hf auth login") as info:
        push_checkpoint(checkpoint, "o/m", endpoint=CLOSED)
    assert info.value.reason == "auth"


def test_push_and_errors_against_the_loopback_hub(loopback_hub, checkpoint, no_xet, caplog):
    caplog.set_level(logging.DEBUG)
    before = tree_fingerprint(checkpoint)
    kwargs = {"token": loopback_hub.token, "endpoint": loopback_hub.url}
    info = push_checkpoint(checkpoint, f"{loopback_hub.user}/inproc", commit_message="first", **kwargs)
    assert info.oid and loopback_hub.list_files(f"{loopback_hub.user}/inproc")["model.safetensors"] == (
        checkpoint / "model.safetensors").read_bytes()
    pr = push_checkpoint(checkpoint, f"{loopback_hub.user}/inproc", create_pr=True, **kwargs)
    assert pr is not None
    cases = [  # (fault pattern, status, expected reason, words of the message)
        (r"^POST /api/repos/create", 403, "forbidden", "write access"),
        (r"^POST /api/models/[^ ]+/commit/", 500, "server", "server error"),
        (r"^POST /api/models/[^ ]+/commit/", 404, "not_found", "was not found"),
        (r"^POST /api/models/[^ ]+/commit/", 412, "hub", "changed on the Hub"),
    ]
    for pattern, status, reason, words in cases:
        loopback_hub.inject_fault(pattern, "status", status=status)
        with pytest.raises(HubError) as err:
            push_checkpoint(checkpoint, f"{loopback_hub.user}/inproc-{status}", **kwargs)
        assert err.value.reason == reason and words in str(err.value), (status, str(err.value))
        assert err.value.status_code == status
    with pytest.raises(HubError, match="create_pr opens a pull request"):
        push_checkpoint(checkpoint, f"{loopback_hub.user}/inproc", create_pr=True, revision="dev", **kwargs)
    with pytest.raises(HubError, match="Invalid repo id") as err:
        push_checkpoint(checkpoint, "not a/valid//id", **kwargs)
    assert err.value.reason == "invalid"
    with pytest.raises(HubError) as err:
        push_checkpoint(checkpoint, f"{loopback_hub.user}/inproc", token="hf_BadTokenInProcess12345",
                        endpoint=loopback_hub.url)
    assert err.value.reason == "auth" and "hf_BadTokenInProcess12345" not in str(err.value)
    assert tree_fingerprint(checkpoint) == before
    assert loopback_hub.token not in caplog.text and "hf_BadTokenInProcess12345" not in caplog.text


def test_scrub_token():
    assert scrub_token("token hf_abcdefghij0123456789XYZ and mysecret", "mysecret") == "token hf_*** and ***"
    assert scrub_token("see hf_hub_download") == "see hf_hub_download"
    assert scrub_token("nothing here") == "nothing here"


def test_cli_parser_and_handler(loopback_hub, checkpoint, no_xet, capsys):
    parser = build_parser()
    args = parser.parse_args([str(checkpoint), "org/name", "--private", "--revision", "dev",
                              "--commit_message", "msg", "--create_pr", "--token", "hf_tok"])
    assert (args.checkpoint_dir, args.repo_id, args.private, args.revision, args.commit_message, args.create_pr,
            args.token) == (str(checkpoint), "org/name", True, "dev", "msg", True, "hf_tok")
    help_text = parser.format_help()
    for needle in ("CHECKPOINT_DIR", "REPO_ID", "--private", "--revision", "--token", "--commit_message",
                   "--create_pr", "HF_TOKEN", "hf auth login", "safetensors"):
        assert needle in help_text
    for dashed in ("--commit-message", "--create-pr"):  # one flag style in every command: underscores
        assert dashed not in help_text
        with pytest.raises(OptionError, match=f"unrecognized arguments: {dashed} \\(did you mean --"):
            parser.parse_args([str(checkpoint), "org/name", dashed])

    assert main([str(checkpoint), f"{loopback_hub.user}/cli", "--token", loopback_hub.token,
                 "--endpoint", loopback_hub.url, "--revision", "dev"]) == 0
    out = capsys.readouterr().out
    assert "commit: " in out and loopback_hub.token not in out
    assert "model.safetensors" in loopback_hub.list_files(f"{loopback_hub.user}/cli", "dev")

    with pytest.raises(HubError, match="does not exist"):  # `classicnets` prints it in one line (tests/faults)
        main([str(checkpoint.parent / "nope"), "org/name"])


@pytest.mark.parametrize(("repo_id", "reason"), [
    ("bad id!!", "Repo id must use alphanumeric chars"),
    ("org/sub/name", "Repo id must be in the form 'repo_name' or 'namespace/repo_name'"),
    ("org/na--me", "Cannot have -- or .."),
])
def test_repo_id_is_checked_when_parsed(checkpoint, monkeypatch, repo_id, reason):
    """Before the folder, the token or the network: "bad id!!" used to end in a token error."""
    monkeypatch.setattr("classicnets.hub.push.push_checkpoint", lambda *a, **k: pytest.fail("must not push"))
    with pytest.raises(OptionError) as info:
        main([str(checkpoint), repo_id, "--endpoint", CLOSED])
    assert str(info.value).startswith(f"REPO_ID {repo_id!r} is not a Hub repo id: {reason}")
    assert str(info.value).endswith("; use namespace/name, e.g. my-org/my-model") and info.value.exit_code == 2
    assert "repo_type" not in str(info.value)  # the validator's advice to Python callers


def test_hub_error_is_a_user_error():
    """`classicnets train --push_to_hub` (and push) print it as one line, exit code 1; still a RuntimeError."""
    err = HubError("No Hugging Face token found.", reason="auth")
    assert isinstance(err, UserError) and isinstance(err, RuntimeError) and as_user_error(err) is err
    assert err.exit_code == 1 and err.reason == "auth"


@pytest.mark.parametrize("stage, reason", [("create", "unreachable"), ("upload", "interrupted")])
def test_a_connection_lost_while_creating_the_repo_means_nothing_was_uploaded(stage, reason):
    """A Hub that goes down as we connect can reset the connection instead of refusing it: before the upload
    starts that is still 'unreachable, nothing uploaded', later it is an upload cut off half-way."""
    from classicnets.hub.push import _translate

    try:
        raise OSError("push failed") from ConnectionResetError(104, "Connection reset by peer")
    except OSError as err:
        error = _translate(err, repo_id="org/model", endpoint="http://hub.test", token=None, stage=stage,
                           revision=None)
    assert isinstance(error, HubError) and error.reason == reason
    assert ("Nothing was uploaded" in str(error)) == (stage == "create")
