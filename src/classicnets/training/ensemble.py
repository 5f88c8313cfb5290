"""Deep ensembles of trained transformer-sst2 runs: join the members into one checkpoint, score it, save it.

The command is `classicnets ensemble` (`classicnets.commands.ensemble`, where what it does and its options are
described once, in its --help); `args` below is its options. The folder is written under a temporary name and
renamed when complete, so an interrupted command leaves no half-written checkpoint.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sys
from pathlib import Path

import torch

from .engine import OutputDirError
from .run_info import portable

# Also in classicnets.commands.ensemble (its --help), which must not import torch.
EVALUATION_DEFAULTS = {"dataset_name": "stanfordnlp/sst2", "validation_file": None, "eval_split": "validation",
                       "text_column": "sentence", "label_column": "label"}


ENSEMBLE_TYPE = "classic_transformer_ensemble"


def check_output_dir(output_dir: Path, members: list[str], overwrite: bool) -> None:
    """Before any work: the ensemble never lands on a member, nor replaces anything but an earlier ensemble."""
    target = output_dir.resolve()
    for member in members:
        folder = Path(member).resolve()
        if Path(member).exists() and (target == folder or target.is_relative_to(folder)
                                      or folder.is_relative_to(target)):
            raise OutputDirError(
                f"--output_dir {output_dir} {'is' if target == folder else 'overlaps'} the member run {member}: "
                "the ensemble goes into a folder of its own. Choose another --output_dir.")
    if not output_dir.exists() or not any(output_dir.iterdir()):
        return
    if not overwrite:
        raise OutputDirError(f"{output_dir} already holds files: pass --overwrite_output_dir to replace an "
                              "earlier ensemble there, or choose another --output_dir.")
    from .checkpointing import folder_contents

    config = output_dir / "config.json"
    found = json.loads(config.read_text()).get("model_type") if config.is_file() else None
    _, others = folder_contents(output_dir, tracker_dir="")
    if found != ENSEMBLE_TYPE or others or any(p.is_dir() for p in output_dir.iterdir()):
        raise OutputDirError(
            f"{output_dir} holds something other than an ensemble this command wrote (model type {found!r}; "
            f"{', '.join(sorted(p.name for p in output_dir.iterdir())[:6])}): --overwrite_output_dir only replaces "
            "an earlier ensemble. Nothing was changed; choose another --output_dir.")


def fill_evaluation_defaults(args) -> None:
    """Unset data options come from the first member's run (its metrics.json), else from SST-2's."""
    member = _recipe_arguments(Path(args.members[0]))
    explicit = args.dataset_name is not None or args.validation_file is not None
    for name, default in EVALUATION_DEFAULTS.items():
        if getattr(args, name) is None and not (explicit and name in ("dataset_name", "validation_file")):
            setattr(args, name, member.get(name) or default)
    if args.validation_file:
        args.dataset_name = None


def _recipe_arguments(run: Path) -> dict:
    """A run's recipe options: exact from its last checkpoint (local paths kept), else from its published
    metrics.json (paths there are made portable), else none (a folder from the Hub)."""
    from .checkpointing import ENGINE_STATE, completed_checkpoints

    for source in [c / ENGINE_STATE for c in completed_checkpoints(run)[-1:]] + [run / "metrics.json"]:
        if source.is_file() and "recipe_arguments" in (found := json.loads(source.read_text())):
            return found["recipe_arguments"]
    return {}


def build_ensemble(members: list[str]):
    """The ensemble model and the one tokenizer its members share (refused when their tokenizers differ)."""
    from transformers import AutoTokenizer

    from ..models.registry import register_all

    register_all()  # the Auto classes know the families
    from classicnets import TransformerEnsembleForSequenceClassification

    tokenizers = [AutoTokenizer.from_pretrained(m) for m in members]
    for member, tokenizer in zip(members[1:], tokenizers[1:]):
        if tokenizer.get_vocab() != tokenizers[0].get_vocab():
            raise ValueError(
                f"Member {member} reads text with another vocabulary than {members[0]}: members must share one "
                f"tokenizer. Train them with --tokenizer_name {members[0]} (or one common tokenizer folder).")
    return TransformerEnsembleForSequenceClassification.from_members(members).eval(), tokenizers[0]


@torch.no_grad()
def evaluate_ensemble(model, tokenizer, args) -> dict:
    """Accuracy of the ensemble and of each member, the ensemble's loss and confusion matrix."""
    import torch.nn.functional as F

    from ..data import load_data_files, load_hub_dataset, require_columns
    from ..evaluation.classification import confusion_matrix

    if args.validation_file:
        split = load_data_files({"validation": args.validation_file})["validation"]
    else:
        split = load_hub_dataset(args.dataset_name, split=args.eval_split)
    require_columns(split, [args.text_column, args.label_column], f"classicnets ensemble (--text_column "
                    f"{args.text_column}, --label_column {args.label_column}) on split {args.eval_split!r}")
    texts = [t if isinstance(t, str) else "" for t in split[args.text_column]]
    labels = torch.as_tensor(list(split[args.label_column]), dtype=torch.long)
    k = model.config.num_labels
    if labels.min() < 0 or labels.max() >= k:
        raise ValueError(f"Split {args.eval_split!r} has labels outside 0..{k - 1} in column {args.label_column!r} "
                         "(-1 marks a hidden label, as in SST-2's test split: evaluate on 'validation').")
    logits, member_logits = [], []
    for start in range(0, len(texts), args.batch_size):
        inputs = tokenizer(texts[start : start + args.batch_size], return_tensors="pt", padding=True,
                           truncation=True, max_length=model.config.max_position_embeddings)
        inputs.pop("token_type_ids", None)
        out = model(**inputs.to(model.device))
        logits.append(out.logits.float().cpu())
        member_logits.append(out.member_logits.float().cpu())
    logits, member_logits = torch.cat(logits), torch.cat(member_logits)  # (N, L), (N, K, L)
    confusion = confusion_matrix(labels, logits.argmax(-1), k)
    return {
        "val_accuracy": (logits.argmax(-1) == labels).float().mean().item(),
        "val_loss": F.nll_loss(logits.log_softmax(-1), labels).item(),
        "member_accuracy": (member_logits.argmax(-1) == labels[:, None]).float().mean(0).tolist(),
        "confusion_matrix": confusion.tolist(),
        "count": len(labels),
    }


def save_atomically(model, tokenizer, evaluation: dict, args, output_dir: Path) -> None:
    from ..evaluation.classification import plot_confusion_matrix

    tmp = output_dir.with_name(f"{output_dir.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    labels = [model.config.id2label[i] for i in range(model.config.num_labels)]
    plot_confusion_matrix(evaluation["confusion_matrix"], labels, tmp / "confusion_matrix.png")
    command = "classicnets " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[1:2] == ["ensemble"] \
        else "classicnets ensemble " + " ".join(args.members) + f" --output_dir {args.output_dir}"
    summary = {"command": command, "members": [str(m) for m in args.members],
               "dataset": args.validation_file or args.dataset_name,
               "split": args.eval_split, **evaluation}
    (tmp / "metrics.json").write_text(json.dumps(portable(summary, Path.cwd()), indent=2))  # no local paths
    write_card(tmp, summary, labels, args)
    if output_dir.exists():  # an earlier ensemble (check_output_dir): swapped out, deleted once the new one is in
        old = output_dir.with_name(f"{output_dir.name}.replaced-{os.getpid()}")
        output_dir.rename(old)
        tmp.rename(output_dir)
        shutil.rmtree(old)
    else:
        tmp.rename(output_dir)


def write_card(folder: Path, summary: dict, labels: list[str], args) -> None:
    from ..evaluation.classification import confusion_markdown
    from ..hub.model_card import card_dataset, render_model_card
    from .recipes import get_recipe_class

    rows = ["| member | its own training command | accuracy |", "|---|---|---|"]
    for member, accuracy in zip(summary["members"], summary["member_accuracy"]):
        rows.append(f"| `{portable(member, Path.cwd())}` | `{_training_command(member)}` | {accuracy:.2%} |")
    sections = [
        ("Ensemble", f"A deep ensemble of {len(summary['members'])} classifiers of the same architecture, trained "
                     "separately from different random seeds; the prediction is their mean probability "
                     "(`member_logits` in the output holds each member's own logits).\n\n" + "\n".join(rows)),
        ("Confusion matrix", confusion_markdown(summary["confusion_matrix"], labels)),
    ]
    metrics = {"val_accuracy": {"value": summary["val_accuracy"], "name": "Accuracy", "type": "accuracy"},
               "val_loss": {"value": summary["val_loss"], "name": "Loss (cross entropy, nats)", "type": "loss"}}
    card = render_model_card(  # the members' card, whose template also describes an ensemble
        get_recipe_class("transformer-sst2").card, folder, metrics,
        repo_id=args.hub_model_id or f"your-org/{Path(args.output_dir).name}",
        training_command=portable(summary["command"], Path.cwd()),
        hyperparameters={"num_members": len(summary["members"])},
        extra_sections=sections, sample_image=folder / "confusion_matrix.png",
        **card_dataset(portable(args.validation_file, Path.cwd()), portable(args.dataset_name, Path.cwd())))
    card.save(folder / "README.md")


def _training_command(member: str) -> str:
    metrics = Path(member) / "metrics.json"
    if metrics.is_file():
        return json.loads(metrics.read_text()).get("command", "?")
    return "?"
