"""Publish a trained run folder (or any `save_pretrained` folder) on the Hugging Face Hub, in one commit, with
nothing of the training state, nothing outside the folder and no local path; errors say what to do.

    from classicnets.hub import push_checkpoint
    info = push_checkpoint("outputs/my-run", "my-org/my-model")  # the --output_dir of a run
    print(info.commit_url)

The folder is pushed as it is: `classicnets train <recipe> --output_dir RUN` leaves the final model, its model
card and its pictures at the top of RUN and the training state under `RUN/checkpoints/`. Everything below is
decided locally, before anything is sent, and the files that pass are exactly the files committed (one
`CommitOperationAdd` each, in one `HfApi.create_commit`), so the repo never holds half a checkpoint.

Uploaded: every regular file of the folder and its sub-folders that is not listed under "stays local", i.e.
* the model: `*.safetensors` weights, `config.json` (with `auto_map`), `generation_config.json`, the tokenizer
  files and the modelling `.py` files that make it loadable with `trust_remote_code=True`;
* the `README.md` model card and the pictures it shows (`*.png`), `samples.txt`, `metrics.json`, `metrics.jsonl`.

Stays local (never read, never sent):
* training state: every folder named `checkpoints` or `checkpoint-*` (accelerate's `optimizer.bin`,
  `scheduler.bin`, `random_states_0.pkl`, `custom_checkpoint_*.pkl`, `engine_state.json`, ...; the transformers
  Trainer leaves `checkpoint-*` folders out of its pushes too);
* `*.tmp` files and folders (a checkpoint being written), lock files (`*.lock`, e.g. `.classicnets.lock`) and
  the run's list of the files it wrote (`.classicnets-run.json`, for `--overwrite_output_dir`);
* TensorBoard logs: `events.out.tfevents.*` files, and the whole top-level sub-folder that holds any (accelerate
  writes `RUN/<recipe>/` with event files and an `hparams.yml`);
* `.git/`, `.cache/`, `__pycache__/`, `.ipynb_checkpoints/`, `*.pyc`, `.DS_Store`.

Refused with a `HubError` naming the files (nothing is sent):
* symbolic links, to files or folders, wherever they point, and anything else that is not a regular file
  (FIFO, socket, device). Choice: every link is refused, even one whose target lies inside the folder; a
  link out of the folder is how a private key or /etc/passwd would leak, and a link inside it only duplicates a
  file. Replace a link with a copy of its target.
* pickle, whatever the name: names `*.bin`, `*.pt`, `*.pth`, `*.pkl`, `*.pickle`, `*.ckpt`, and by content
  pickle streams (protocol 2-5: `\\x80` + protocol byte; protocol 0/1: a stream `pickletools` parses, checked
  in the first MiB), torch archives (a zip holding `data.pkl`, what `torch.save` writes) and numpy arrays of
  Python objects (`.npy`, also inside `.npz`). Only the first bytes of a file are read, and a zip's directory.
* a `*.safetensors` file that does not parse as safetensors (8-byte little-endian header size, JSON header,
  tensors inside the file);
* a text file (`*.md`, `*.txt`, `*.json`, `*.jsonl`, `*.yaml`, `*.yml`, `*.py`, `*.csv`, `*.tsv`, `*.cfg`,
  `*.toml`, `*.ini`, `*.html`) holding the absolute path of the folder, of the current directory or of the home
  directory (the first 4 MiB of each file are searched);
* a folder without `*.safetensors` weights or `config.json` at the top.

The local folder is only read, never written. Every failure is one `HubError` whose message says what happened
and what to do; the token never appears in it (nor in the logs this module writes), even when the Hub echoes it
back.
"""

from __future__ import annotations

import ast
import contextlib
import fnmatch
import io
import json
import logging
import os
import pickletools
import re
import stat
import struct
import zipfile
from pathlib import Path

from ..errors import UserError, listing

logger = logging.getLogger(__name__)

__all__ = ["HubError", "push_checkpoint", "PICKLE_PATTERNS", "IGNORE_PATTERNS", "LOCAL_DIR_PATTERNS",
           "TEXT_SUFFIXES", "scrub_token"]

# Weight formats that unpickle arbitrary code on load: never uploaded.
PICKLE_PATTERNS = ("*.bin", "*.pt", "*.pth", "*.pkl", "*.pickle", "*.ckpt")
# Folders that stay local with everything in them (matched against each folder's name, at any depth).
LOCAL_DIR_PATTERNS = ("checkpoints", "checkpoint-*", "*.tmp", ".git", ".cache", "__pycache__", ".ipynb_checkpoints")
# Files that stay local (matched against the file's name).
IGNORE_PATTERNS = ("*.tmp", "*.lock", ".classicnets-run.json", "events.out.tfevents.*", "*.pyc", ".DS_Store")
_TENSORBOARD_EVENTS = "events.out.tfevents.*"
# Text files searched for absolute local paths, and how much of each.
TEXT_SUFFIXES = (".md", ".txt", ".json", ".jsonl", ".yaml", ".yml", ".py", ".csv", ".tsv", ".cfg", ".toml", ".ini",
                 ".html")
_TEXT_SCAN_BYTES = 4 << 20
_PICKLE_SCAN_BYTES = 1 << 20  # protocol 0/1 pickles are parsed this far
# Opcodes that can open a protocol 0/1 pickle (they need nothing on the stack): '(', 'c', ']', '}', 'N', ...
_OLD_PICKLE_START = frozenset(op.code.encode("latin-1") for op in pickletools.opcodes
                              if op.proto <= 1 and not op.stack_before)
_TOKEN_LIKE = re.compile(r"\bhf_[A-Za-z0-9]{20,}\b")  # real tokens: hf_ + 34 letters and digits


class HubError(UserError, RuntimeError):
    """A push failed. `str(exc)` says what happened and what to do; `reason` is a short category:
    `"checkpoint"`, `"unreachable"`, `"offline"`, `"auth"`, `"forbidden"`, `"not_found"`, `"interrupted"`,
    `"invalid"`, `"server"` or `"hub"`. A `classicnets.errors.UserError` (a RuntimeError too, as before): the
    command line (`classicnets push`, `classicnets train --push_to_hub`) prints it as one line, exit code 1."""

    def __init__(self, message: str, *, reason: str = "hub", status_code: int | None = None):
        super().__init__(message)
        self.reason = reason
        self.status_code = status_code


def scrub_token(text: str, token: str | None = None) -> str:
    """`text` with `token` (and anything shaped like a Hugging Face token, `hf_...`) replaced by `***`."""
    if token:
        text = text.replace(token, "***")
    return _TOKEN_LIKE.sub("hf_***", text)


def _matches(name: str, patterns) -> bool:
    return any(fnmatch.fnmatchcase(name.lower(), p.lower()) for p in patterns)



def _refuse(message: str) -> HubError:
    return HubError(message, reason="checkpoint")


# --------------------------------------------------------------------------------------------------------------
# What goes up, what stays local
# --------------------------------------------------------------------------------------------------------------


def _plan(root: Path) -> tuple[list[str], list[str], list[str]]:
    """Walk `root` without following links: (regular files to upload, links, other non-regular files), as
    sorted posix paths relative to `root`. Folders and files that stay local are left out of all three."""
    files, links, special, events = [], [], [], []
    for dirpath, dirnames, filenames in os.walk(root):  # followlinks=False: a linked folder is never entered
        here = Path(dirpath)
        kept = []
        for name in dirnames:
            rel = (here / name).relative_to(root).as_posix()
            if _matches(name, LOCAL_DIR_PATTERNS):
                continue
            if (here / name).is_symlink():
                links.append(rel)
            else:
                kept.append(name)
        dirnames[:] = kept
        for name in filenames:
            rel = (here / name).relative_to(root).as_posix()
            if fnmatch.fnmatchcase(name, _TENSORBOARD_EVENTS):
                events.append(rel)
            if _matches(name, IGNORE_PATTERNS):
                continue
            mode = os.lstat(here / name).st_mode
            (links if stat.S_ISLNK(mode) else files if stat.S_ISREG(mode) else special).append(rel)
    # A TensorBoard log folder stays local as a whole (hparams.yml and all): the top-level folder of each event
    # file. Event files at the top of the run are left out by IGNORE_PATTERNS alone.
    tensorboard = {e.split("/")[0] + "/" for e in events if "/" in e}
    if tensorboard:
        logger.info("Leaving TensorBoard logs local: %s", ", ".join(sorted(tensorboard)))

    def upload(paths):
        return sorted(p for p in paths if not p.startswith(tuple(tensorboard)))

    return upload(files), upload(links), upload(special)


def _check_checkpoint(checkpoint_dir: Path) -> list[str]:
    """The files that will be uploaded, relative to `checkpoint_dir`; a `HubError` for a folder that must not or
    cannot be pushed."""
    if not checkpoint_dir.exists():
        raise _refuse(f"Checkpoint folder {checkpoint_dir} does not exist. Pass the folder that "
                      "`save_pretrained` (or `classicnets train --output_dir`) wrote.")
    if not checkpoint_dir.is_dir():
        raise _refuse(f"{checkpoint_dir} is a file, not a checkpoint folder. Pass the folder that "
                      "`save_pretrained` (or `classicnets train --output_dir`) wrote.")
    files, links, special = _plan(checkpoint_dir)
    if links:
        shown = [f"{link} -> {os.readlink(checkpoint_dir / link)}" for link in links]
        raise _refuse(f"Refusing to upload symbolic links from {checkpoint_dir}: {listing(shown)}. classicnets "
                      "pushes regular files only, so that nothing outside the folder can leak. Replace each link "
                      "with a copy of the file it points to, or move it out of the folder.")
    if special:
        raise _refuse(f"Refusing to upload {listing(special)} from {checkpoint_dir}: not regular files (FIFO, "
                      "socket or device). Move them out of the folder.")
    _check_no_pickle(checkpoint_dir, files)
    _check_safetensors(checkpoint_dir, files)
    if not any(f.endswith(".safetensors") for f in files):
        raise _refuse(f"No safetensors weights (*.safetensors) in {checkpoint_dir}: it does not look like a "
                      "folder written by `save_pretrained`. Save the model there first.")
    if "config.json" not in files:
        raise _refuse(f"No config.json in {checkpoint_dir}: it does not look like a folder written by "
                      "`save_pretrained`, and the Hub copy could not be loaded with from_pretrained. Save the "
                      "model there with `model.save_pretrained(folder)`.")
    _check_no_local_paths(checkpoint_dir, files)
    if "README.md" not in files:
        logger.warning("%s has no README.md model card; the Hub repo will have none. Render one with "
                       "classicnets.hub.render_model_card(...).save('%s/README.md') before pushing.",
                       checkpoint_dir, checkpoint_dir)
    return files


# --------------------------------------------------------------------------------------------------------------
# Pickle, by name and by content
# --------------------------------------------------------------------------------------------------------------


def _check_no_pickle(root: Path, files: list[str]) -> None:
    by_name = [f for f in files if _matches(Path(f).name, PICKLE_PATTERNS)]
    by_content = {}
    for f in files:
        if f not in by_name and not f.lower().endswith(".safetensors"):  # those are parsed as safetensors
            what = _pickle_kind(root / f)
            if what:
                by_content[f] = what
    if not by_name and not by_content:
        return
    found = by_name + [f"{f} ({what})" for f, what in by_content.items()]
    hint = ""
    if any(Path(f).name.startswith(("optimizer", "scheduler", "random_states")) for f in by_name) or (
        root / "engine_state.json"
    ).exists():
        hint = (" This looks like a training-state checkpoint (optimizer, scheduler, RNG states): push the run "
                "folder (the --output_dir of `classicnets train`), whose checkpoints/ stay local, or the folder "
                "`save_pretrained` writes.")
    raise _refuse(
        f"Refusing to upload pickle files from {root}: {listing(found)}. Pickle files run arbitrary code when "
        "loaded; classicnets only publishes safetensors weights. Re-save the model with "
        "`model.save_pretrained(folder)` (safetensors is the default) and delete the pickle files, or push a "
        "folder without them." + hint)


def _pickle_kind(path: Path) -> str | None:
    """What pickle `path` holds, judged from its first bytes (and a zip's directory), or None."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        head = f.read(min(size, _PICKLE_SCAN_BYTES))
    if head[:1] == b"\x80":  # PROTO opcode: protocol 2+ pickles, torch.save's legacy format
        # (A safetensors file whose header size starts with 0x80 0x02..0x05 is not a pickle.)
        is_pickle = len(head) > 1 and 2 <= head[1] <= 5 and _pickle_ops(head, enough=3)
        if is_pickle and _safetensors_problem(path) is not None:
            return f"a protocol {head[1]} pickle stream"
        return None
    if head[:1] in _OLD_PICKLE_START and _is_old_pickle(head, whole=len(head) == size):
        return "a protocol 0/1 pickle stream"
    if head[:6] == b"\x93NUMPY" and _npy_holds_objects(head):
        return "a numpy array of Python objects, which is pickled"
    if head[:4] == b"PK\x03\x04":
        return _zip_pickles(path)
    return None


def _pickle_ops(data: bytes, *, enough: int) -> bool:
    """True if `data` reads as `enough` pickle opcodes in a row, or as a whole stream up to STOP."""
    count = 0
    try:
        for opcode, _, _ in pickletools.genops(data):
            count += 1
            if count >= enough or opcode.name == "STOP":
                return True
    except Exception:  # noqa: BLE001  (any malformed stream: not a pickle as far as we can tell)
        return False
    return False


def _is_old_pickle(head: bytes, *, whole: bool) -> bool:
    """Protocol 0/1 pickles are printable-looking, and text may start like one (`(`, `c`, `]`, `N`): require a
    complete stream that pickletools can disassemble with a consistent stack and memo, or, for a file longer
    than the window, a thousand opcodes in a row (no text gets that far)."""
    try:
        pickletools.dis(head, out=io.StringIO())
        return True
    except Exception:  # noqa: BLE001
        pass
    return not whole and _pickle_ops(head, enough=1000)


def _npy_holds_objects(head: bytes) -> bool:
    """A `.npy` header (magic, version, header size, a dict literal) whose dtype has an object field."""
    try:
        major = head[6]
        width = 2 if major == 1 else 4
        (length,) = struct.unpack("<H" if width == 2 else "<I", head[8:8 + width])
        header = ast.literal_eval(head[8 + width:8 + width + length].decode("latin-1"))
        return _has_object_dtype(header["descr"])
    except Exception:  # noqa: BLE001  (unreadable header: numpy cannot load it either)
        return False


def _has_object_dtype(descr) -> bool:
    if isinstance(descr, str):  # e.g. '<f4', '|O'
        return descr.lstrip("<>|=").startswith("O")
    if isinstance(descr, (list, tuple)):  # structured: [(name, descr[, shape]), ...]
        return any(_has_object_dtype(field[1]) for field in descr if isinstance(field, (list, tuple)))
    return False


def _zip_pickles(path: Path) -> str | None:
    """Pickles inside a zip: torch archives (`data.pkl`), `.pkl` members, numpy object arrays in a `.npz`."""
    try:
        with zipfile.ZipFile(path) as archive:  # reads the central directory, not the members
            names = archive.namelist()
            if any(n == "data.pkl" or n.endswith("/data.pkl") for n in names):
                return "a torch.save archive, whose data.pkl is a pickle"
            members = [n for n in names if _matches(Path(n).name, PICKLE_PATTERNS)]
            if members:
                return f"a zip archive holding pickle files ({listing(members, 3)})"
            for name in names:
                if name.endswith(".npy"):
                    with archive.open(name) as member:
                        if _npy_holds_objects(member.read(1 << 16)):
                            return f"a zip archive holding a numpy array of Python objects ({name})"
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError):
        return None  # not a readable zip: torch.load / numpy.load cannot open it either
    return None


# --------------------------------------------------------------------------------------------------------------
# safetensors files must be safetensors
# --------------------------------------------------------------------------------------------------------------


def _check_safetensors(root: Path, files: list[str]) -> None:
    problems = []
    for f in files:
        if f.lower().endswith(".safetensors"):
            problem = _safetensors_problem(root / f)
            if problem:
                problems.append(f"{f} ({problem})")
    if problems:
        raise _refuse(f"Refusing to upload corrupt safetensors files from {root}: {listing(problems)}. Re-save "
                      "the model with `model.save_pretrained(folder)`, or remove the file.")


def _safetensors_problem(path: Path) -> str | None:
    """None for a well-formed safetensors file: u64 little-endian header size N, N bytes of JSON header mapping
    tensor names to {dtype, shape, data_offsets}, offsets inside the data that follows. Else what is wrong."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        if size < 8:
            return f"{size} bytes, shorter than the 8-byte header size"
        (length,) = struct.unpack("<Q", f.read(8))
        if length > min(size - 8, 100 << 20):  # the safetensors format caps the header at 100 MB
            return f"header size {length} does not fit in the file"
        try:
            header = json.loads(f.read(length))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return "the header is not JSON"
    if not isinstance(header, dict):
        return "the header is not a JSON object"
    data_size = size - 8 - length
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        offsets = entry.get("data_offsets") if isinstance(entry, dict) else None
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(isinstance(o, int) for o in offsets)
                and 0 <= offsets[0] <= offsets[1] <= data_size and "dtype" in entry and "shape" in entry):
            return f"tensor {name!r} has no valid dtype, shape and data_offsets within the file"
    return None


# --------------------------------------------------------------------------------------------------------------
# No absolute local path leaves the machine
# --------------------------------------------------------------------------------------------------------------


def _local_paths(root: Path) -> dict[str, str]:
    """The absolute paths that must not be published: {path: what it is}, most specific first."""
    candidates = [(root.absolute(), "the folder being pushed"), (root.resolve(), "the folder being pushed")]
    for where, what in ((Path.cwd, "the current directory"), (Path.home, "your home directory")):
        with contextlib.suppress(OSError, RuntimeError):  # a deleted current directory, no HOME: nothing to find
            candidates += [(where(), what), (where().resolve(), what)]
    found: dict[str, str] = {}
    for path, what in candidates:
        text = str(path).rstrip("/")
        if text and text not in found:  # "/" itself (a cwd or HOME of /) would match every path: skipped
            found[text] = what
    return found


def _check_no_local_paths(root: Path, files: list[str]) -> None:
    paths = _local_paths(root)
    if not paths:
        return
    # A whole path, not the tail of a longer one (`/x/home/me`) nor a sibling (`/home/me2`, `/home/me.bak`).
    alternatives = b"|".join(re.escape(os.fsencode(p)) for p in sorted(paths, key=len, reverse=True))
    pattern = re.compile(rb"(?<![\w.~-])(?:" + alternatives + rb")(?![\w-]|\.\w)")
    leaks = []
    for f in files:
        if not f.lower().endswith(TEXT_SUFFIXES):
            continue
        with open(root / f, "rb") as handle:
            text = handle.read(_TEXT_SCAN_BYTES)
        match = pattern.search(text)
        if match:
            path = os.fsdecode(match.group())
            line = text.count(b"\n", 0, match.start()) + 1
            leaks.append(f"{f} line {line} has {path} ({paths[path]})")
    if leaks:
        raise _refuse(f"Refusing to upload absolute local paths from {root}: {listing(leaks)}. They say where "
                      "files live on this machine and mean nothing on the Hub. Make them relative (e.g. to the "
                      "run folder) or remove them, then push again.")


# --------------------------------------------------------------------------------------------------------------
# The push
# --------------------------------------------------------------------------------------------------------------


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
    Upload `checkpoint_dir` (a run folder of `classicnets train`, or a `save_pretrained` folder) to the model repo
    `repo_id` in one commit: the model, its card, pictures, samples and metrics; never the training state (see
    the module docstring for exactly what goes up, what stays local and what is refused).

    Args:
        checkpoint_dir: The folder to upload. Only read; checked in full before anything is sent.
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
    from huggingface_hub import CommitOperationAdd, HfApi, get_token

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
        raise HubError("create_pr opens a pull request against main: leave --revision out, or drop --create_pr "
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
        logger.info("Uploading %d files from %s to %s%s: %s", len(files), root, repo_id,
                    f" (branch {revision})" if revision else "", ", ".join(files))
        # Exactly the checked files, one commit (upload_folder would walk the folder again, follow links, and
        # with hf_xet installed split a large folder into several commits).
        operations = [CommitOperationAdd(path_in_repo=f, path_or_fileobj=str(root / f)) for f in files]
        info = api.create_commit(
            repo_id,
            operations,
            repo_type="model",
            revision=revision if not create_pr else None,
            commit_message=message,
            create_pr=create_pr,
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
                    f"`my-org/my-model`. ({detail})", "invalid")

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
                        f"{server or 'invalid credentials'}). Run `hf auth login` or pass --token (token= in Python) "
                        "with a valid token that has write access; check HF_TOKEN if it is set.", "auth", status)
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
