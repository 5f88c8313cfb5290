"""Metrics to the terminal, to `metrics.jsonl`, to Accelerate's trackers, and a loss-curve PNG."""

import json
import math
import warnings
from pathlib import Path

from .checkpointing import METRICS_LOG


class MetricsLogger:
    def __init__(self, accelerator, output_dir: str | Path, write):
        self.accelerator = accelerator
        self.path = Path(output_dir) / METRICS_LOG
        self.write = write  # tqdm.write, so lines do not break the progress bar

    def log(self, step: int, metrics: dict, kind: str) -> None:
        if not self.accelerator.is_main_process:
            return
        record = {"kind": kind, "step": step, **{k: _plain(v) for k, v in metrics.items()}}
        with self.path.open("a") as f:
            f.write(json.dumps(record) + "\n")
        self.accelerator.log({f"{kind}/{k}": v for k, v in metrics.items() if isinstance(v, (int, float))}, step=step)
        shown = "  ".join(f"{k} {_fmt(v)}" for k, v in metrics.items() if not isinstance(v, (dict, list)))
        self.write(f"[{kind} step {step}] {shown}")

    def forget_after(self, step: int) -> None:
        """A resumed run logs the steps after its checkpoint again: drop what the interrupted run logged there."""
        if self.accelerator.is_main_process and self.path.exists():
            kept = [r for r in self.records() if r["step"] <= step]
            self.path.write_text("".join(json.dumps(r) + "\n" for r in kept))

    def records(self) -> list[dict]:
        """The logged records; a line a kill tore half-way through writing is dropped with a warning."""
        if not self.path.exists():
            return []
        records = []
        for number, line in enumerate(self.path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                warnings.warn(f"{self.path}, line {number}: not a whole record (a run killed while writing it?); "
                              "dropped.", stacklevel=2)
        return records


def _plain(value):
    return value.item() if hasattr(value, "item") else value


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1e4 else f"{value:.3e}"
    return str(value)


def plot_curves(records: list[dict], path: str | Path, keys: list[str] | None = None, title: str = "") -> Path | None:
    """One panel a metric family: every numeric key whose name holds 'loss' (or the keys given), train and eval."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series: dict[str, list[tuple[int, float]]] = {}
    for r in records:
        for k, v in r.items():
            if k in ("kind", "step") or not isinstance(v, (int, float)) or not math.isfinite(v):
                continue
            if (keys is None and "loss" in k) or (keys is not None and k in keys):
                series.setdefault(f"{r['kind']}/{k}", []).append((r["step"], v))
    if not series:
        return None
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=110)
    for name, points in sorted(series.items()):
        xs, ys = zip(*points)
        ax.plot(xs, ys, marker="o" if len(xs) < 30 else None, markersize=3, label=name)
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("value")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return Path(path)
