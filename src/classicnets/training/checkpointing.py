"""Atomic checkpoints: a run killed while saving never leaves a folder that looks complete.

Layout: `<output_dir>/checkpoints/checkpoint-<step>/` holding Accelerate's state (weights as safetensors,
optimiser, RNG of every process), the engine's and the recipe's own state (schedulers, EMA, carried LSTM state,
noise generator: tensors in `training_state.safetensors`, the rest in `engine_state.json`), and
`engine_state.json` itself, written last. A checkpoint is first written to `checkpoint-<step>.tmp` and renamed
only once every process has finished writing; an old one is renamed `checkpoint-<step>.deleting` before it is
deleted. Leftovers of a run killed half-way (`.tmp`, `.deleting`, a folder without `engine_state.json`) are
removed at the next start (`remove_leftovers`).

Resuming executes no code from the checkpoint: nothing of ours is pickled, and what Accelerate pickles
(optimiser, RNG states) it loads with `torch.load(weights_only=True)`, which only rebuilds tensors, numbers and
the numpy types of its allow-list.
"""

import json
import re
import shutil
from pathlib import Path

import torch

from ..errors import CheckpointError, UserError


class MissingCheckpointError(UserError, FileNotFoundError):
    """--resume_from_checkpoint names no finished checkpoint."""


ENGINE_STATE = "engine_state.json"
TRAINING_STATE = "training_state.safetensors"
METRICS_LOG = "metrics.jsonl"  # appended to by every step of a run (training/metrics.py)
_NAME = re.compile(r"^checkpoint-(\d+)$")
_LEFTOVER = re.compile(r"^checkpoint-\d+\.(tmp|deleting)$")


def checkpoints_dir(output_dir: str | Path) -> Path:
    return Path(output_dir) / "checkpoints"


def completed_checkpoints(output_dir: str | Path) -> list[Path]:
    """Finished checkpoints, oldest first. Temporary or incomplete folders are ignored."""
    root = checkpoints_dir(output_dir)
    if not root.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in root.iterdir()
             if (m := _NAME.match(p.name)) and (p / ENGINE_STATE).is_file()]
    return [p for _, p in sorted(found)]


# What runs and `save_pretrained` write into an output folder: with --overwrite_output_dir these are replaced (set
# aside, deleted once the new run has saved its model); anything else in the folder is never touched.
RUN_FILE_PATTERNS = ("checkpoints", "*.safetensors", "*.json", "*.jsonl", "*.txt", "*.md", "*.png", "*.py",
                     "*.model", "tokenizer", ".replaced-*")
LOCK_FILE = ".classicnets.lock"


def folder_contents(output_dir: str | Path, tracker_dir: str) -> tuple[list[str], list[str]]:
    """(entries a run writes, other entries) of output_dir, names sorted; the lock file is neither."""
    import fnmatch

    root = Path(output_dir)
    if not root.is_dir():
        return [], []
    names = sorted(p.name for p in root.iterdir() if p.name != LOCK_FILE)
    patterns = (*RUN_FILE_PATTERNS, tracker_dir)
    ours = [n for n in names if any(fnmatch.fnmatch(n, pat) for pat in patterns)]
    return ours, [n for n in names if n not in ours]


def set_aside(output_dir: str | Path, names: list[str], stamp: str) -> Path:
    """Move `names` into `<output_dir>/.replaced-<stamp>/` (renames: nothing is deleted yet)."""
    aside = Path(output_dir) / f".replaced-{stamp}"
    aside.mkdir()
    for name in names:
        (Path(output_dir) / name).rename(aside / name)
    return aside


def earlier_run(output_dir: str | Path) -> str | None:
    """What an earlier run left in output_dir (checkpoints, logged metrics), in words; None if nothing."""
    found = []
    if checkpoints := completed_checkpoints(output_dir):
        found.append(f"{len(checkpoints)} checkpoint(s), the latest {checkpoints[-1].name}")
    elif checkpoints_dir(output_dir).is_dir() and any(checkpoints_dir(output_dir).iterdir()):
        found.append("unfinished checkpoints")
    if (Path(output_dir) / METRICS_LOG).is_file():
        found.append(METRICS_LOG)
    return " and ".join(found) or None


def resolve_checkpoint(output_dir: str | Path, spec: str) -> Path:
    """`latest` -> the newest finished checkpoint of this run; anything else is a checkpoint folder."""
    if spec == "latest":
        found = completed_checkpoints(output_dir)
        if not found:
            raise MissingCheckpointError(
                f"--resume_from_checkpoint latest: no finished checkpoint under {checkpoints_dir(output_dir)}. "
                "Start without --resume_from_checkpoint, or point it at a checkpoint folder."
            )
        return found[-1]
    path = Path(spec)
    if not (path / ENGINE_STATE).is_file():
        raise MissingCheckpointError(
            f"{path} is not a finished classicnets checkpoint (no {ENGINE_STATE}): it may be missing or was "
            "interrupted while saving. Use --resume_from_checkpoint latest to take the newest finished one."
        )
    return path


def temporary_path(output_dir: str | Path, step: int) -> Path:
    return checkpoints_dir(output_dir) / f"checkpoint-{step}.tmp"


def finalize(output_dir: str | Path, step: int, engine_state: dict, keep: int, objects: dict | None = None) -> Path:
    """Main process only, after every process wrote its part: the objects' state, seal, rename, rotate."""
    tmp = temporary_path(output_dir, step)
    tensors, engine_state["objects"] = split_tensors(
        {name: obj.state_dict() for name, obj in (objects or {}).items()})
    save_tensors(tensors, tmp / TRAINING_STATE)
    (tmp / ENGINE_STATE).write_text(json.dumps(engine_state, indent=2))
    final = checkpoints_dir(output_dir) / f"checkpoint-{step}"
    if final.exists():
        _delete(final)
    tmp.rename(final)
    for old in completed_checkpoints(output_dir)[:-keep] if keep > 0 else []:
        _delete(old)
    return final


def _delete(checkpoint: Path) -> None:
    """Rename first, so that a kill half-way through leaves a `.deleting` folder, never a damaged checkpoint."""
    doomed = checkpoint.with_name(checkpoint.name + ".deleting")
    checkpoint.rename(doomed)
    shutil.rmtree(doomed, ignore_errors=True)


def remove_leftovers(output_dir: str | Path) -> list[str]:
    """Delete what a killed run left half-written or half-deleted under checkpoints/; the names removed."""
    root = checkpoints_dir(output_dir)
    if not root.is_dir():
        return []
    doomed = [p for p in root.iterdir() if p.is_dir() and (_LEFTOVER.match(p.name) or (
        _NAME.match(p.name) and not (p / ENGINE_STATE).is_file()))]
    for path in doomed:
        shutil.rmtree(path, ignore_errors=True)
    return sorted(p.name for p in doomed)


def load_objects(checkpoint: Path, objects: dict) -> None:
    """Restore what `finalize` saved of `objects` (name -> object with load_state_dict)."""
    state = read_engine_state(checkpoint)
    if objects and "objects" not in state:
        raise CheckpointError(f"{checkpoint} was written by an older classicnets, which pickled the training state "
                         "(pickles can run code, so they are not loaded any more): start a new run.")
    saved = join_tensors(state.get("objects", {}), load_tensors(checkpoint / TRAINING_STATE))
    missing = sorted(set(objects) - set(saved))
    if missing:
        raise CheckpointError(f"{checkpoint} holds no state for {', '.join(missing)}: it was written by another recipe "
                         "or with other options (e.g. --ema_decay, --stateful_training). Resume with the options "
                         "of the run that wrote it, or start a new run.")
    for name, obj in objects.items():
        obj.load_state_dict(saved[name])


# --- state dicts as safetensors + JSON (no pickle) ----------------------------------------------------------


def split_tensors(value, prefix: str = "", tensors: dict | None = None):
    """(tensors by key, the JSON-able rest with {"__tensor__": key} where each tensor was)."""
    tensors = {} if tensors is None else tensors
    if isinstance(value, torch.Tensor):
        tensors[prefix] = value.detach().cpu().contiguous()
        return tensors, {"__tensor__": prefix}
    if isinstance(value, dict):
        rest = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"state keys must be strings to be saved without pickle, got {key!r} in {prefix!r}")
            _, rest[key] = split_tensors(item, f"{prefix}/{key}" if prefix else key, tensors)
        return tensors, rest
    if isinstance(value, (list, tuple)):
        items = [split_tensors(item, f"{prefix}/{i}", tensors)[1] for i, item in enumerate(value)]
        return tensors, items if isinstance(value, list) else {"__tuple__": items}
    if value is None or isinstance(value, (bool, int, float, str)):
        return tensors, value
    raise TypeError(f"cannot save {type(value).__name__} at {prefix!r} without pickle: use tensors, numbers, "
                    "strings, lists and dicts in state_dict()")


def join_tensors(value, tensors: dict):
    if isinstance(value, dict):
        if set(value) == {"__tensor__"}:
            return tensors[value["__tensor__"]]
        if set(value) == {"__tuple__"}:
            return tuple(join_tensors(v, tensors) for v in value["__tuple__"])
        return {k: join_tensors(v, tensors) for k, v in value.items()}
    if isinstance(value, list):
        return [join_tensors(v, tensors) for v in value]
    return value


def save_tensors(tensors: dict, path: Path) -> None:
    from safetensors.torch import save_file

    save_file(tensors, str(path))


def load_tensors(path: Path) -> dict:
    if not path.is_file():
        return {}
    from safetensors.torch import load_file

    return load_file(str(path))


def read_engine_state(checkpoint: Path) -> dict:
    return json.loads((checkpoint / ENGINE_STATE).read_text())
