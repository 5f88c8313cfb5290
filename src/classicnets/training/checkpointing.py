"""Atomic checkpoints: a run killed while saving never leaves a folder that looks complete.

Layout: `<output_dir>/checkpoints/checkpoint-<step>/` holding Accelerate's state (weights as safetensors,
optimiser, RNG of every process), the engine's and the recipe's own state (schedulers, EMA, carried LSTM state,
noise generator: tensors in `training_state.safetensors`, the rest in `engine_state.json`), and
`engine_state.json` itself, written last. A checkpoint is first written to `checkpoint-<step>.tmp` and renamed
only once every process has finished writing; an old one is renamed `checkpoint-<step>.deleting` before it is
deleted; a checkpoint saved again at the same step replaces the old one by renames (old -> `.old`, `.tmp` -> final,
then `.old` deleted), so a kill never leaves the step without a whole checkpoint. Leftovers of a run killed
half-way (`.tmp`, `.deleting`, `.old`, a folder without `engine_state.json`) are removed at the next start
(`remove_leftovers`, which first puts back a `.old` whose replacement never arrived).

Resuming executes no code from the checkpoint: nothing of ours is pickled, and what Accelerate pickles
(optimiser, RNG states) it loads with `torch.load(weights_only=True)`, which only rebuilds tensors, numbers and
the numpy types of its allow-list.
"""

import json
import os
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
_LEFTOVER = re.compile(r"^checkpoint-\d+\.(tmp|deleting|old)$")
_SWAPPED = re.compile(r"^(checkpoint-\d+)\.old$")


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


# --- what an output folder holds: a run's own files, by provenance ------------------------------------------
#
# A run lists the top-level entries it wrote in `MANIFEST` (`.classicnets-run.json`, written atomically at each
# checkpoint and at the end, "finished" once the model is saved). --overwrite_output_dir sets aside only what a run
# wrote: the manifest's entries, the folders a run writes while it trains (checkpoints/, tokenizer/, the tracker's
# folder, the GAN's samples/ of step-*.png) and metrics.jsonl. A folder written before manifests existed is judged
# by the exact names a run writes (`LEGACY_RUN_FILES`, `LEGACY_RUN_PATTERNS`), never by extension. Anything else
# in the folder (a corpus, a script, notes) is no run's: the engine then refuses the folder, naming those files,
# even with --overwrite_output_dir; nothing is deleted or moved.

MANIFEST = ".classicnets-run.json"
LOCK_FILE = ".classicnets.lock"
REPLACED_PREFIX = ".replaced-"  # <output_dir>/.replaced-<stamp>/: an earlier run set aside by --overwrite_output_dir
RUN_FOLDERS = ("checkpoints", "tokenizer")  # written while a run trains (text_tasks.trained_once: tokenizer/)
LEGACY_RUN_FILES = frozenset({
    "model.safetensors", "model.safetensors.index.json", "config.json", "generation_config.json",
    "metrics.json", METRICS_LOG, "README.md", "samples.txt", "examples.txt",
    "vocab.json", "merges.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
    "added_tokens.json", "image_utils.py",
    # the plots of the built-in recipes (Recipe.plot, eval_curve, save_pretrained)
    "loss_curve.png", "accuracy.png", "chrf.png", "confusion_matrix.png", "discriminator_outputs.png",
    "lenet_fid.png", "samples.png",
})
LEGACY_RUN_PATTERNS = ("model-[0-9][0-9][0-9][0-9][0-9]-of-[0-9][0-9][0-9][0-9][0-9].safetensors",
                       "configuration_*.py", "modeling_*.py", "tokenization_*.py", "pipeline_*.py")
_SAMPLE_GRID = re.compile(r"^step-\d+\.png$")


def read_manifest(output_dir: str | Path) -> dict | None:
    """The manifest of the run(s) that wrote output_dir, or None (none, or unreadable: then judged by names)."""
    path = Path(output_dir) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), list):
        return None
    return manifest


def write_manifest(output_dir: str | Path, files: list[str], finished: bool, recipe: str) -> None:
    """Atomically (a temporary file renamed over the old one): a kill leaves the old manifest or the new one."""
    path = Path(output_dir) / MANIFEST
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps({"recipe": recipe, "finished": finished, "files": sorted(set(files))}, indent=2))
    os.replace(tmp, path)


def _not_entries(name: str) -> bool:
    """The lock and the manifest: bookkeeping, neither a run's output nor the user's."""
    return name in (LOCK_FILE, MANIFEST, MANIFEST + ".tmp")


def run_entries(output_dir: str | Path, tracker_dir: str = "", extra_names: tuple[str, ...] = ()) -> set[str]:
    """The top-level entries of output_dir that a classicnets run wrote (see the comment above)."""
    import fnmatch

    root = Path(output_dir)
    if not root.is_dir():
        return set()
    names = {p.name for p in root.iterdir() if not _not_entries(p.name)}
    manifest = read_manifest(root)
    ours = set(RUN_FOLDERS) | {METRICS_LOG} | ({tracker_dir} if tracker_dir else set())
    if manifest is not None:
        ours |= {str(n) for n in manifest["files"]}
    else:
        ours |= LEGACY_RUN_FILES | set(extra_names)
        ours |= {n for n in names if any(fnmatch.fnmatch(n, pattern) for pattern in LEGACY_RUN_PATTERNS)}
    samples = root / "samples"  # the GAN's grids during training: a run's only if it holds nothing else
    if samples.is_dir() and all(_SAMPLE_GRID.match(p.name) and p.is_file() for p in samples.iterdir()):
        ours.add("samples")
    return {n for n in names if n in ours and not n.startswith(REPLACED_PREFIX)}


def folder_contents(output_dir: str | Path, tracker_dir: str = "",
                    extra_names: tuple[str, ...] = ()) -> tuple[list[str], list[str]]:
    """(entries a run wrote, other entries) of output_dir, names sorted; the lock and the manifest are neither.
    A `.replaced-*` folder is never a run's entry: it holds an earlier run that must not be deleted unseen."""
    root = Path(output_dir)
    if not root.is_dir():
        return [], []
    names = sorted(p.name for p in root.iterdir() if not _not_entries(p.name))
    ours = run_entries(root, tracker_dir, extra_names)
    return [n for n in names if n in ours], [n for n in names if n not in ours]


def replaced_folders(output_dir: str | Path) -> list[Path]:
    root = Path(output_dir)
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.name.startswith(REPLACED_PREFIX) and p.is_dir())


def finished_model(output_dir: str | Path) -> bool:
    """Whether output_dir holds a model a run finished (its manifest says so; before manifests: metrics.json,
    written once the model is saved)."""
    manifest = read_manifest(output_dir)
    if manifest is not None:
        return bool(manifest.get("finished"))
    return (Path(output_dir) / "metrics.json").is_file()


def set_aside(output_dir: str | Path, names: list[str], stamp: str) -> Path:
    """Move `names` (and the manifest, if any) into `<output_dir>/.replaced-<stamp>/`: renames, nothing is
    deleted yet. The engine deletes that folder once the new run has saved its model, or moves it back
    (`restore`) if the new run stops before."""
    aside = Path(output_dir) / f"{REPLACED_PREFIX}{stamp}"
    aside.mkdir()
    for name in [*names, *([MANIFEST] if (Path(output_dir) / MANIFEST).is_file() else [])]:
        (Path(output_dir) / name).rename(aside / name)
    return aside


def restore(output_dir: str | Path, aside: Path, discard: list[str]) -> None:
    """Undo `set_aside`: delete `discard` (what the interrupted new run wrote, and its manifest), then move the
    set-aside entries back and remove the then empty `aside` folder."""
    root = Path(output_dir)
    for name in [*discard, MANIFEST, MANIFEST + ".tmp"]:
        path = root / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
    for entry in sorted(aside.iterdir()):
        entry.rename(root / entry.name)
    aside.rmdir()


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
    if final.exists():  # the same step saved again (a resumed run): the old one goes only once the new is in place
        old = final.with_name(final.name + ".old")
        if old.exists():
            shutil.rmtree(old)  # what a kill left of an earlier swap, `final` being whole
        final.rename(old)  # a kill from here on leaves `.old` whole: remove_leftovers puts it back
        tmp.rename(final)
        shutil.rmtree(old, ignore_errors=True)
    else:
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
    """Delete what a killed run left half-written or half-deleted under checkpoints/; the names removed.

    A checkpoint that `finalize` had renamed `.old` to make way for a new save of the same step, and that the kill
    left without its replacement, is first put back (it is whole: `.old` is deleted only once the new one is in
    place)."""
    root = checkpoints_dir(output_dir)
    if not root.is_dir():
        return []
    for path in sorted(root.iterdir()):
        swapped = _SWAPPED.match(path.name)
        if swapped and path.is_dir() and (path / ENGINE_STATE).is_file() and not (root / swapped.group(1)).exists():
            path.rename(root / swapped.group(1))
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
