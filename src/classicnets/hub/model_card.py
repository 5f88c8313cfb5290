"""Model cards for classicnets checkpoints: YAML metadata the Hub understands plus a readable description.

    from pathlib import Path
    from classicnets.hub import CardSpec, render_model_card
    spec = CardSpec(
        template=Path("cards/my-model.md").resolve(), auto_class="AutoModelForCausalLM",
        pipeline_tag="text-generation", task_name="Text Generation",
        dataset_id="my-org/my-corpus", dataset_name="My corpus", dataset_split="validation",
        architecture_keys=("vocab_size", "hidden_size", "num_layers"),
    )
    card = render_model_card(
        spec, "outputs/my-model/final", {"perplexity": 4.31, "loss": 1.46},
        repo_id="my-org/my-model",
        training_command="classicnets train my-model --max_steps 3000",
        hyperparameters={"learning_rate": 2e-3, "batch_size": 64},
        sample_text="Once upon a time ...",
    )
    card.save("outputs/my-model/final/README.md")   # then: classicnets push outputs/my-model/final my-org/...

This module knows no family: each recipe declares its card (`Recipe.card`, a `CardSpec`) with its Jinja2
template, `classicnets/training/recipes/cards/<recipe>.md` (shipped with the package), so a trained family's
card is `render_model_card(get_recipe_class(name).card, ...)`. The metadata block is a
`huggingface_hub.ModelCardData`: `library_name: transformers` (the checkpoints load with the transformers Auto
classes, so the Hub shows that code; `custom_code` in the tags when the checkpoint carries its modelling code,
`trust_remote_code=True`), license, tags, datasets, `pipeline_tag`, a `widget` example where the Hub has a
widget for the task, and a `model-index` built from the metrics, so the Hub shows the results as evaluation
results. The checkpoint folder is only read (config.json, safetensors headers): nothing is written there.

Variables available to a template: `card_data` (the YAML metadata block), `repo_id`, `model_name`, `card` (the
`CardSpec`), `config` (config.json as a dict), `architecture` (name, value pairs of the spec's
`architecture_keys`), `num_parameters`, `training_command`, `hyperparameters` (name, value pairs, secrets
removed), `metrics` (rows with `name`, `display`, `value`, `split`, `dataset_name`, `dataset_id`),
`dataset_id`, `dataset_name`, `dataset_ref`, `sample_text`, `sample_image` (a path inside the repo),
`extra_sections` (title, markdown pairs), `has_remote_code`, `has_tokenizer`, `license`; filters `fmt` and
`thousands`.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path

from .push import scrub_token

__all__ = ["CardSpec", "render_model_card", "count_parameters"]


@dataclass(frozen=True)
class CardSpec:
    """What a family's model card says besides the run's numbers; its recipe declares it (`Recipe.card`)."""

    template: Path  # the Jinja2 template, an absolute path
    pipeline_tag: str
    task_name: str
    dataset_id: str
    dataset_name: str
    dataset_split: str
    auto_class: str
    # The config.json keys the card's architecture table shows, in this order (missing or null ones skipped).
    architecture_keys: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    language: tuple[str, ...] = ()
    # Example texts for the Hub's inference widget (`widget: [{text: ...}]`), for the tasks that have one.
    widget: tuple[str, ...] = ()
    # Engine options the family's recipe does not use (e.g. its optimisers take rates of their own):
    # left out of the card's hyperparameter table, which must list only what shaped the model.
    unused_hyperparameters: tuple[str, ...] = ()
    # Display names of the family's own metric keys (beside the common ones below), e.g. {"my_fid": "My-FID"}.
    metric_names: dict[str, str] = field(default_factory=dict)
    # Model-index types of the family's own metric keys, fixed whatever a caller passes: the Hub reads a type
    # ("fid", "accuracy") as that metric of the literature, which a number of the family's own must not claim.
    metric_types: dict[str, str] = field(default_factory=dict)


# Pretty names and model-index metric types for common metric keys.
_METRIC_NAMES = {
    "perplexity": "Perplexity", "ppl": "Perplexity", "loss": "Loss", "eval_loss": "Loss",
    "bits_per_char": "Bits per character", "bpc": "Bits per character", "accuracy": "Accuracy",
    "eval_accuracy": "Accuracy", "acc": "Accuracy", "f1": "F1", "fid": "FID", "inception_score": "Inception Score",
    "is": "Inception Score", "kid": "KID", "precision": "Precision", "recall": "Recall",
}
_SECRET_KEY = re.compile(r"token|secret|password|passwd|api[_-]?key|credential|authorization", re.I)


def count_parameters(checkpoint_dir: str | Path) -> int | None:
    """Number of weights in the checkpoint's safetensors files, read from their headers (no torch needed)."""
    total, found = 0, False
    for path in sorted(Path(checkpoint_dir).glob("*.safetensors")):
        try:
            with open(path, "rb") as f:
                (length,) = struct.unpack("<Q", f.read(8))
                header = json.loads(f.read(length))
        except (OSError, ValueError, struct.error):
            continue
        found = True
        for name, info in header.items():
            if name != "__metadata__":
                total += math.prod(info.get("shape", []))
    return total if found else None


def _read_config(checkpoint_dir: Path) -> dict:
    try:
        return json.loads((checkpoint_dir / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _format_value(value) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return f"{value:.1f}"
        if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e5):
            return f"{value:.4g}"
        return f"{value:.4f}".rstrip("0").rstrip(".")
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_format_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_format_value(v)}" for k, v in value.items())
    return str(value)


def _metric_rows(metrics: dict, card: CardSpec) -> list[dict]:
    """[{key, name, value, display, split, dataset_id, dataset_name}] for every metric, in the given order."""
    rows = []
    for key, raw in (metrics or {}).items():
        spec = raw if isinstance(raw, dict) else {"value": raw}
        value = spec.get("value")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"Metric {key!r} must be a number (or a dict with a numeric 'value'), got {value!r}.")
        rows.append({
            "key": key,
            "type": (card.metric_types.get(str(key).lower()) or spec.get("type")
                     or re.sub(r"^(eval|test|validation|val)_", "", str(key)).lower()),
            "name": (spec.get("name") or card.metric_names.get(str(key).lower())
                     or _METRIC_NAMES.get(str(key).lower()) or str(key).replace("_", " ").capitalize()),
            "value": float(value) if isinstance(value, float) else value,
            "display": _format_value(value),
            "split": spec.get("split") or card.dataset_split,
            "dataset_id": spec.get("dataset") or card.dataset_id,
            "dataset_name": spec.get("dataset_name") or card.dataset_name,
        })
    return rows


def _safe_hyperparameters(hyperparameters: dict | None, unused: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """(name, value) pairs to print, with anything secret-looking left out (a card must never show a token), and
    the options the card's recipe does not use."""
    out = []
    for key, value in (hyperparameters or {}).items():
        if _SECRET_KEY.search(str(key)) or str(key) in unused:
            continue
        out.append((str(key), scrub_token(_format_value(value))))
    return out


def _sample_image_path(checkpoint_dir: Path, sample_image: str | Path | None) -> str | None:
    """The image's path inside the repo (it must live in the checkpoint folder, which is what gets uploaded)."""
    if sample_image is None:
        return None
    path = Path(sample_image)
    if not path.is_absolute():
        candidate = checkpoint_dir / path
        if candidate.exists():
            return candidate.relative_to(checkpoint_dir).as_posix()
        path = path.resolve()
    try:
        return path.resolve().relative_to(checkpoint_dir.resolve()).as_posix()
    except ValueError:
        raise ValueError(
            f"sample_image {sample_image} is not inside the checkpoint folder {checkpoint_dir}, so it would not be "
            "uploaded with it and the card's image link would be broken. Copy or save it into the checkpoint "
            "folder (e.g. <checkpoint>/samples.png) and pass that path."
        ) from None


def card_dataset(data_file: str | None, dataset_name: str | None) -> dict:
    """`dataset=` or `local_data=` for `render_model_card`, from a run's `--train_file` and `--dataset_name`."""
    if data_file:
        return {"local_data": f"`{Path(data_file).name}`"}
    if dataset_name and Path(dataset_name).exists():  # a local folder (a Hub id the offline mirror serves stays one)
        return {"local_data": f"`{Path(dataset_name).name}`"}
    return {"dataset": dataset_name} if dataset_name else {}


def render_model_card(
    card: CardSpec,
    checkpoint_dir: str | Path,
    metrics: dict,
    *,
    repo_id: str,
    training_command: str,
    hyperparameters: dict,
    sample_text: str | None = None,
    sample_image: str | Path | None = None,
    extra_sections: dict[str, str] | list[tuple[str, str]] | None = None,
    dataset: str | None = None,
    dataset_name: str | None = None,
    local_data: str | None = None,
    license: str = "apache-2.0",  # noqa: A002  (the Hub's metadata key)
):
    """
    Render the model card of a checkpoint, as a `huggingface_hub.ModelCard`.

    Args:
        card: What the card says about the family: its template, task, dataset, tags, architecture keys (a
            recipe's `card`; `dataclasses.replace(spec, template=...)` renders another template).
        checkpoint_dir: The `save_pretrained` folder; read for the config and the parameter count.
        metrics: `{"perplexity": 4.3, "loss": 1.46}`; a value may also be a dict with `value` and optional
            `name`, `type`, `split`, `dataset`, `dataset_name`. Each becomes a results-table row and a
            `model-index` entry.
        repo_id: `namespace/name` the card is for (used in the usage code and as the model-index name).
        training_command: The exact command that trained the model.
        hyperparameters: Shown as a table; keys that look secret (token, password, ...) are left out.
        sample_text: Generated text or example predictions to show.
        sample_image: An image inside `checkpoint_dir` (e.g. a grid of generated samples) to embed.
        extra_sections: `{title: markdown}` (or a list of pairs) appended before the limitations.
        dataset, dataset_name: Override the card's training dataset (Hub id and display name).
        local_data: The model was trained on local files (described by this string, e.g. a file name) rather than
            a Hub dataset: the card names them, links no dataset and leaves `datasets`/`model-index` out of the
            metadata (the Hub reads those as dataset ids); the results table stays.
        license: SPDX id for the metadata (default `apache-2.0`).

    Returns:
        `huggingface_hub.ModelCard`; `card.save(path)` writes README.md, `card.data` holds the metadata.
    """
    import jinja2
    from huggingface_hub import EvalResult, ModelCard, ModelCardData

    if not isinstance(card, CardSpec):
        raise TypeError(f"render_model_card takes a CardSpec (a recipe's `card`), got {card!r}.")
    checkpoint_dir = Path(checkpoint_dir)
    if not checkpoint_dir.is_dir():
        raise ValueError(f"Checkpoint folder {checkpoint_dir} does not exist: save the model there first.")
    if "/" not in repo_id:
        raise ValueError(f"repo_id must be `namespace/name`, got {repo_id!r}.")
    config = _read_config(checkpoint_dir)
    dataset_id = None if local_data else dataset or card.dataset_id
    if local_data or dataset in (None, card.dataset_id):
        dataset_display = dataset_name or local_data or card.dataset_name
    else:
        dataset_display = dataset_name or dataset.split("/")[-1]
    rows = _metric_rows(metrics, dataclasses.replace(card, dataset_id=dataset_id,
                                                     dataset_name=dataset_display))
    model_name = repo_id.split("/")[-1]
    eval_results = [
        EvalResult(task_type=card.pipeline_tag, task_name=card.task_name, dataset_type=row["dataset_id"],
                   dataset_name=row["dataset_name"], dataset_split=row["split"], metric_type=row["type"],
                   metric_name=row["name"], metric_value=row["value"])
        for row in rows
        if math.isfinite(row["value"]) and row["dataset_id"]
    ]
    # The modelling code saved beside the weights (`auto_map`): the Hub then shows `trust_remote_code=True`.
    has_remote_code = bool(config.get("auto_map"))
    data = ModelCardData(
        language=list(card.language) or None,
        license=license,
        library_name="transformers",  # loads with the Auto classes: the Hub's "Use this model" shows that code
        tags=["classicnets", *card.tags, *(["custom_code"] if has_remote_code else [])],
        datasets=sorted({dataset_id, *(r["dataset_id"] for r in rows)} - {None}) or None,
        pipeline_tag=card.pipeline_tag,
        model_name=model_name,
        eval_results=eval_results or None,
        **({"widget": [{"text": text} for text in card.widget]} if card.widget else {}),
    )
    if isinstance(extra_sections, dict):
        extra_sections = list(extra_sections.items())
    image = _sample_image_path(checkpoint_dir, sample_image)
    has_tokenizer = any((checkpoint_dir / f).exists() for f in ("tokenizer_config.json", "vocab.json",
                                                                "tokenizer.json"))
    context = {
        "card_data": data.to_yaml(),
        "repo_id": repo_id,
        "model_name": model_name,
        "card": card,
        "config": config,
        "architecture": [(k, _format_value(config[k])) for k in card.architecture_keys
                         if config.get(k) is not None],
        "num_parameters": count_parameters(checkpoint_dir),
        "training_command": scrub_token(training_command.strip()),
        "hyperparameters": _safe_hyperparameters(hyperparameters, card.unused_hyperparameters),
        "metrics": rows,
        "dataset_id": dataset_id,
        "dataset_name": dataset_display,
        "dataset_ref": (f"{dataset_display} (local data)" if dataset_id is None else
                        f"{dataset_display} ([`{dataset_id}`](https://huggingface.co/datasets/{dataset_id}))"),
        "sample_text": scrub_token(sample_text) if sample_text else None,
        "sample_image": image,
        "extra_sections": [(str(t), scrub_token(str(b))) for t, b in (extra_sections or [])],
        "has_remote_code": has_remote_code,
        "has_tokenizer": has_tokenizer,
        "license": license,
    }
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(Path(card.template).parent)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # Markdown, not HTML  # noqa: S701
    )
    env.filters["fmt"] = _format_value
    env.filters["thousands"] = lambda n: f"{n:,}" if isinstance(n, int) else str(n)
    content = env.get_template(Path(card.template).name).render(**context)
    return ModelCard(content)


def run_history_markdown(summary: dict, columns: list[str] | None = None) -> str:
    """A markdown account of a training run from the engine's metrics.json: how it stopped and every evaluation."""
    history = summary.get("history") or []
    if columns is None:
        columns = [k for k in (history[-1] if history else {}) if k not in ("kind", "step", "train_minutes")
                   and isinstance(history[-1][k], (int, float))]
    lines = [
        f"Stopped after {summary.get('global_step')} optimizer steps ({summary.get('stop_reason')}), "
        f"{summary.get('train_minutes')} minutes of training (evaluation and checkpointing excluded), "
        f"{summary.get('wall_minutes', '?')} minutes wall time, on {summary.get('num_processes')} process(es), "
        f"{summary.get('machine', 'unknown machine')}.",
        "",
        "| step | training minutes | " + " | ".join(columns) + " |",
        "|---|---|" + "---|" * len(columns),
    ]
    for record in history:
        cells = [_format_value(record[c]) if c in record else "" for c in columns]
        lines.append(f"| {record['step']} | {record.get('train_minutes', '')} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
