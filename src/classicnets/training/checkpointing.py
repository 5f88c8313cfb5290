"""Atomic checkpoints: a run killed while saving never leaves a folder that looks complete.

Layout: `<output_dir>/checkpoints/checkpoint-<step>/` holding Accelerate's state (weights as safetensors,
optimiser, scheduler, RNG of every process) plus `engine_state.json`, written last. A checkpoint is first
written to `checkpoint-<step>.tmp` and renamed only once every process has finished writing.
"""

import json
import re
import shutil
from pathlib import Path

ENGINE_STATE = "engine_state.json"
METRICS_LOG = "metrics.jsonl"  # appended to by every step of a run (training/metrics.py)
_NAME = re.compile(r"^checkpoint-(\d+)$")


def checkpoints_dir(output_dir: str | Path) -> Path:
    return Path(output_dir) / "checkpoints"


def completed_checkpoints(output_dir: str | Path) -> list[Path]:
    """Finished checkpoints, oldest first. Temporary or incomplete folders are ignored."""
    root = checkpoints_dir(output_dir)
    if not root.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in root.iterdir() if (m := _NAME.match(p.name)) and (p / ENGINE_STATE).is_file()]
    return [p for _, p in sorted(found)]


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


def clear_run(output_dir: str | Path) -> None:
    """Delete what `earlier_run` finds (the final model files are overwritten by the next save anyway)."""
    shutil.rmtree(checkpoints_dir(output_dir), ignore_errors=True)
    for name in (METRICS_LOG, "metrics.json"):
        (Path(output_dir) / name).unlink(missing_ok=True)


def resolve_checkpoint(output_dir: str | Path, spec: str) -> Path:
    """`latest` -> the newest finished checkpoint of this run; anything else is a checkpoint folder."""
    if spec == "latest":
        found = completed_checkpoints(output_dir)
        if not found:
            raise FileNotFoundError(
                f"--resume_from_checkpoint latest: no finished checkpoint under {checkpoints_dir(output_dir)}. "
                "Start without --resume_from_checkpoint, or point it at a checkpoint folder."
            )
        return found[-1]
    path = Path(spec)
    if not (path / ENGINE_STATE).is_file():
        raise FileNotFoundError(
            f"{path} is not a finished classicnets checkpoint (no {ENGINE_STATE}): it may be missing or was "
            "interrupted while saving. Use --resume_from_checkpoint latest to take the newest finished one."
        )
    return path


def temporary_path(output_dir: str | Path, step: int) -> Path:
    return checkpoints_dir(output_dir) / f"checkpoint-{step}.tmp"


def finalize(output_dir: str | Path, step: int, engine_state: dict, keep: int) -> Path:
    """Main process only, after every process wrote its part: seal, rename, rotate."""
    tmp = temporary_path(output_dir, step)
    (tmp / ENGINE_STATE).write_text(json.dumps(engine_state, indent=2))
    final = checkpoints_dir(output_dir) / f"checkpoint-{step}"
    if final.exists():
        shutil.rmtree(final)
    tmp.rename(final)
    for old in completed_checkpoints(output_dir)[:-keep] if keep > 0 else []:
        shutil.rmtree(old, ignore_errors=True)
    return final


def read_engine_state(checkpoint: Path) -> dict:
    return json.loads((checkpoint / ENGINE_STATE).read_text())
