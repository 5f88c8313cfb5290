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
