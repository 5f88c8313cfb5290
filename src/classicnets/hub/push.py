"""Upload a saved checkpoint folder to the Hugging Face Hub, with errors that say what to do.

    from classicnets.hub import push_checkpoint
    info = push_checkpoint("outputs/char-lstm/final", "my-org/char-lstm-shakespeare")
    print(info.commit_url)

A checkpoint folder is what `save_pretrained` writes (model and tokenizer alike): `config.json`, safetensors
weights, tokenizer and generation config files, the modelling `.py` files and `auto_map` that make it loadable
with `trust_remote_code=True`, a `README.md` model card and any images it shows. It goes up in one commit
(`HfApi.create_repo(exist_ok=True)` + `HfApi.upload_folder`), so the repo never holds half a checkpoint.

Guarantees:
* Only safetensors weights: a folder holding pickle files (`*.bin`, `*.pt`, `*.pth`, `*.pkl`, `*.pickle`,
  `*.ckpt`) is refused before anything is sent.
* The local folder is only read, never written.
* Every failure is one `HubError` whose message says what happened and what to do; the token never appears in
  it (nor in the logs this module writes), even when the Hub echoes it back.
"""

from __future__ import annotations

import fnmatch
import logging
import os
import re
from pathlib import Path

logger = logging.getLogger(__name__)

__all__ = ["HubError", "push_checkpoint", "PICKLE_PATTERNS", "IGNORE_PATTERNS", "scrub_token"]

# Weight formats that unpickle arbitrary code on load: never uploaded.
PICKLE_PATTERNS = ("*.bin", "*.pt", "*.pth", "*.pkl", "*.pickle", "*.ckpt")
# Left out of the upload (besides huggingface_hub's own .git/ and .cache/huggingface/ rules).
IGNORE_PATTERNS = ["__pycache__/*", "*/__pycache__/*", "*.pyc", ".DS_Store", "*/.DS_Store", "*.tmp", "*.lock",
                   ".ipynb_checkpoints/*"]
_DEFAULT_IGNORED_DIRS = (".git", ".cache")
_TOKEN_LIKE = re.compile(r"\bhf_[A-Za-z0-9]{20,}\b")  # real tokens: hf_ + 34 letters and digits


class HubError(RuntimeError):
    """A push failed. `str(exc)` says what happened and what to do; `reason` is a short category:
    `"checkpoint"`, `"unreachable"`, `"offline"`, `"auth"`, `"forbidden"`, `"not_found"`, `"interrupted"`,
    `"invalid"`, `"server"` or `"hub"`."""

    def __init__(self, message: str, *, reason: str = "hub", status_code: int | None = None):
        super().__init__(message)
        self.reason = reason
        self.status_code = status_code


def scrub_token(text: str, token: str | None = None) -> str:
    """`text` with `token` (and anything shaped like a Hugging Face token, `hf_...`) replaced by `***`."""
    if token:
        text = text.replace(token, "***")
    return _TOKEN_LIKE.sub("hf_***", text)


def _iter_files(root: Path):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in _DEFAULT_IGNORED_DIRS and d != "__pycache__"]
        for name in filenames:
            yield (Path(dirpath) / name).relative_to(root).as_posix()


def _check_checkpoint(checkpoint_dir: Path) -> list[str]:
    """The files that will be uploaded; a `HubError` for a folder that must not or cannot be pushed."""
    if not checkpoint_dir.exists():
        raise HubError(f"Checkpoint folder {checkpoint_dir} does not exist. Pass the folder that "
                       "`save_pretrained` (or `classicnets train`) wrote.", reason="checkpoint")
    if not checkpoint_dir.is_dir():
        raise HubError(f"{checkpoint_dir} is a file, not a checkpoint folder. Pass the folder that "
                       "`save_pretrained` wrote.", reason="checkpoint")
    files = [f for f in _iter_files(checkpoint_dir)
             if not any(fnmatch.fnmatch(f, pattern) for pattern in IGNORE_PATTERNS)]
    pickles = sorted(f for f in files if any(fnmatch.fnmatch(f.lower(), p) for p in PICKLE_PATTERNS))
    if pickles:
        hint = ""
        if any(Path(f).name.startswith(("optimizer", "scheduler", "random_states")) for f in pickles) or (
            checkpoint_dir / "engine_state.json"
        ).exists():
            hint = (" This looks like a training-state checkpoint (optimizer, scheduler, RNG states): push the "
                    "exported model folder instead, the one `save_pretrained` writes.")
        raise HubError(
            f"Refusing to upload pickle files from {checkpoint_dir}: {', '.join(pickles[:10])}"
            f"{' ...' if len(pickles) > 10 else ''}. Pickle files run arbitrary code when loaded; classicnets "
            "only publishes safetensors weights. Re-save the model with `model.save_pretrained(folder)` "
            "(safetensors is the default) and delete the pickle files, or push a folder without them." + hint,
            reason="checkpoint",
        )
    if not any(f.endswith(".safetensors") for f in files):
        raise HubError(f"No safetensors weights (*.safetensors) in {checkpoint_dir}: it does not look like a "
                       "folder written by `save_pretrained`. Save the model there first.", reason="checkpoint")
    if "config.json" not in files:
        raise HubError(f"No config.json in {checkpoint_dir}: it does not look like a folder written by "
                       "`save_pretrained`, and the Hub copy could not be loaded with from_pretrained. Save the "
                       "model there with `model.save_pretrained(folder)`.", reason="checkpoint")
    if "README.md" not in files:
        logger.warning("%s has no README.md model card; the Hub repo will have none. Render one with "
                       "classicnets.hub.render_model_card(...).save('%s/README.md') before pushing.",
                       checkpoint_dir, checkpoint_dir)
    return files


def push_checkpoint(
    checkpoint_dir: str | os.PathLike,
    repo_id: str,
    *,
    token: str | None = None,
    private: bool = False,
    revision: str | None = None,
    commit_message: str | None = None,
    create_pr: bool = False,
    endpoint: str | None = None,
):
    """
    Upload `checkpoint_dir` (a `save_pretrained` folder) to the model repo `repo_id` in one commit.

    Args:
        checkpoint_dir: The folder to upload. Only read; pickle weights are refused.
        repo_id: `namespace/name` on the Hub. Created if missing (as private if `private=True`; the visibility of
            an existing repo is left as it is).
        token: A Hub token with write access. Default: `HF_TOKEN`, else the token saved by `hf auth login`.
        private: Create the repo as private.
        revision: Branch to commit to (created from `main` when missing). Default `main`.
        commit_message: Default `"Upload <folder name> with classicnets"`.
        create_pr: Open a pull request with the upload instead of committing to the branch.
        endpoint: Hub URL (default: `HF_ENDPOINT` or https://huggingface.co).

    Returns:
        `huggingface_hub.CommitInfo` (`commit_url`, `oid`, `pr_url`, `repo_url`).

    Raises:
        HubError: with a message that says what to do; never contains the token.
    """
    from huggingface_hub import HfApi, get_token

    root = Path(checkpoint_dir).expanduser()
    files = _check_checkpoint(root)
    token = token or None
    used_token = token if token is not None else get_token()
    api = HfApi(endpoint=endpoint, token=token)
    where = api.endpoint
    if used_token is None:
        raise HubError(
            f"No Hugging Face token found, and pushing to {repo_id} needs one with write access. Run `hf auth "
            "login`, set HF_TOKEN, or pass --token (token= in Python).", reason="auth")
    if create_pr and revision not in (None, "main"):
        raise HubError("create_pr opens a pull request against main: leave --revision out, or drop --create-pr "
                       "to commit straight to that branch.", reason="invalid")

    message = commit_message or f"Upload {root.resolve().name} with classicnets"
    stage = "create"
    try:
        logger.info("Creating or reusing repo %s on %s", repo_id, where)
        repo_url = api.create_repo(repo_id, private=private, exist_ok=True, repo_type="model")
        if revision and revision != "main" and not create_pr:
            stage = "branch"
            api.create_branch(repo_id, branch=revision, exist_ok=True, repo_type="model")
        stage = "upload"
        logger.info("Uploading %d files from %s to %s%s", len(files), root, repo_id,
                    f" (branch {revision})" if revision else "")
        info = api.upload_folder(
            folder_path=root,
            repo_id=repo_id,
            repo_type="model",
            revision=revision if not create_pr else None,
            commit_message=message,
            create_pr=create_pr,
            ignore_patterns=list(IGNORE_PATTERNS),
        )
    except HubError:
        raise
    except BaseException as err:  # noqa: BLE001  (KeyboardInterrupt included: same explanation, re-raised)
        translated = _translate(err, repo_id=repo_id, endpoint=where, token=used_token, stage=stage,
                                revision=revision)
        if translated is None:
            raise
        raise translated from None
    logger.info("Pushed %s to %s: %s", root, repo_url, getattr(info, "commit_url", info))
    return info


# --------------------------------------------------------------------------------------------------------------
# Error translation
# --------------------------------------------------------------------------------------------------------------


def _chain(err: BaseException):
    seen = set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        yield err
        err = err.__cause__ or err.__context__


def _status(err: BaseException) -> int | None:
    response = getattr(err, "response", None)
    return getattr(response, "status_code", None)


def _server_message(err: BaseException) -> str:
    response = getattr(err, "response", None)
    if response is None:
        return ""
    message = getattr(err, "server_message", None) or ""
    if not message:
        try:
            message = response.headers.get("X-Error-Message") or ""
        except Exception:  # pragma: no cover
            message = ""
    return message.strip()


def _network_classes() -> tuple[tuple[type, ...], tuple[type, ...]]:
    """(cannot connect, connection lost mid-request) exception classes of the installed HTTP stack."""
    connect: list[type] = [ConnectionRefusedError, TimeoutError]
    lost: list[type] = [ConnectionResetError, BrokenPipeError, ConnectionAbortedError]
    for module_name in ("httpx2", "httpx"):
        try:
            module = __import__(module_name)
        except ImportError:
            continue
        connect += [getattr(module, n) for n in ("ConnectError", "ConnectTimeout", "TimeoutException", "ProxyError")
                    if hasattr(module, n)]
        lost += [getattr(module, n) for n in ("RemoteProtocolError", "ReadError", "WriteError", "NetworkError")
                 if hasattr(module, n)]
    try:
        import requests

        connect += [requests.ConnectionError, requests.Timeout]
    except ImportError:
        pass
    return tuple(connect), tuple(lost)


def _translate(err: BaseException, *, repo_id: str, endpoint: str, token: str | None, stage: str,
               revision: str | None) -> HubError | None:
    """One HubError for any failure of the push, or None to let `err` through (e.g. a bug of ours)."""
    try:
        from huggingface_hub.errors import (
            HfHubHTTPError,
            OfflineModeIsEnabled,
            RepositoryNotFoundError,
            RevisionNotFoundError,
        )
        from huggingface_hub.utils import HFValidationError
    except ImportError:  # pragma: no cover
        return None

    connect_errors, lost_errors = _network_classes()
    chain = list(_chain(err))
    detail = scrub_token(f"{type(chain[-1]).__name__}: {chain[-1]}", token).strip().replace("\n", " ")[:300]

    def make(text: str, reason: str, status: int | None = None) -> HubError:
        return HubError(scrub_token(text, token), reason=reason, status_code=status)

    retry = (f"Run the same command again to finish: commits on the Hub are atomic, so {repo_id} holds either "
             "the previous state or the whole checkpoint, and files that already reached the Hub are not sent "
             "twice. Your local checkpoint was not modified.")
    if isinstance(err, KeyboardInterrupt):
        logger.error(scrub_token(f"Push to {repo_id} interrupted. {retry}", token))
        return None
    if any(isinstance(e, OfflineModeIsEnabled) for e in chain):
        return make(f"Cannot push to {repo_id}: offline mode is on (HF_HUB_OFFLINE=1). Unset HF_HUB_OFFLINE and "
                    "try again.", "offline")
    if any(isinstance(e, HFValidationError) for e in chain) or (
        isinstance(err, ValueError) and "repo" in str(err).lower() and _status(err) is None
    ):
        return make(f"Invalid repo id {repo_id!r}: use `namespace/name` (letters, digits, '-', '_', '.'), e.g. "
                    f"`my-org/char-lstm`. ({detail})", "invalid")

    network = next((e for e in chain if isinstance(e, connect_errors + lost_errors)), None)
    if network is not None and _status(network) is None:
        # Lost while creating the repo (e.g. a Hub going down as we connect) still means nothing was uploaded.
        if stage == "create":
            return make(f"Could not reach the Hugging Face Hub at {endpoint} ({detail}). Nothing was uploaded. "
                        "Check your internet connection, proxy settings and HF_ENDPOINT, then try again.",
                        "unreachable")
        return make(f"The upload to {repo_id} was cut off half-way: the connection to {endpoint} was lost "
                    f"({detail}). {retry}", "interrupted")

    http = next((e for e in chain if isinstance(e, HfHubHTTPError)), None)
    status = _status(http) if http is not None else None
    server = scrub_token(_server_message(http), token) if http is not None else ""
    if http is not None:
        if status == 401 and not isinstance(http, RepositoryNotFoundError):
            return make(f"The Hub at {endpoint} rejected your token (401 Unauthorized: "
                        f"{server or 'invalid credentials'}). Run `hf auth login` or pass --token (token= in Python) with a valid token "
                        "that has write access; check HF_TOKEN if it is set.", "auth", status)
        if isinstance(http, RevisionNotFoundError):
            return make(f"Branch {revision!r} does not exist in {repo_id} and could not be created. Create it "
                        "first (`hf repo branch create`) or leave --revision out to push to main.", "not_found",
                        status)
        if isinstance(http, RepositoryNotFoundError) or status == 404:
            return make(f"Repository {repo_id} was not found on {endpoint} (HTTP {status}) and could not be "
                        "created. Check the name (`namespace/name`), that the namespace exists, and that your "
                        "token can write to it (`hf auth whoami`); run `hf auth login` or pass --token if you "
                        "are not logged in.", "not_found", status)
        if status == 403:
            return make(f"Your token may not write to {repo_id} (403 Forbidden{': ' + server if server else ''}). "
                        "Use a token with write access to that namespace (`hf auth login`, or --token).",
                        "forbidden", status)
        if status in (409, 412):
            return make(f"{repo_id} changed on the Hub while pushing (HTTP {status}{': ' + server if server else ''})"
                        ". Run the same command again.", "hub", status)
        if status is not None and status >= 500:
            return make(f"The Hub at {endpoint} failed with a server error (HTTP {status}). Nothing was committed"
                        f" unless the final commit went through; try again in a few minutes. ({detail})", "server",
                        status)
        return make(f"The Hub refused the push to {repo_id} (HTTP {status}{': ' + server if server else ''}). "
                    f"({detail})", "hub", status)

    if network is not None:
        return make(f"The upload to {repo_id} was cut off half-way ({detail}). {retry}", "interrupted")
    if isinstance(err, ValueError):
        return make(f"Cannot push {repo_id}: {detail}", "invalid")
    if isinstance(err, (OSError, RuntimeError)):
        return make(f"The push to {repo_id} failed ({detail}). {retry}", "hub")
    return None
