"""Deep ensembles of trained transformer-sst2 runs: join the members into one checkpoint, score it, save it.

The command is `classicnets ensemble` (`classicnets.commands.ensemble`, where what it does and its options are
described once, in its --help); `args` below is its options. The folder is written under a temporary name and
renamed when complete, so an interrupted command leaves no half-written checkpoint.

The output folder follows the rules of `classicnets train`: it is locked (`RunLock`) from the moment it is checked
until the new ensemble is in place, so a second command into it is refused; it may be new, empty, or (with
--overwrite_output_dir) hold an earlier ensemble and nothing else, and it is checked again just before the swap.
Nothing is ever removed with `rmtree` but the temporary folder this command made: an earlier ensemble is
renamed aside and its files deleted by name, so a file that is not the ensemble's is never lost.
"""

from __future__ import annotations

import fnmatch
import json
import os
import secrets
import shlex
import shutil
import sys
from contextlib import contextmanager, suppress
from pathlib import Path

import torch

from ..errors import CheckpointError, DataError, disk_full_error
from .checkpointing import LOCK_FILE
from .engine import OutputDirError
from .run_info import portable
from .run_lock import RunLock

# Also in classicnets.commands.ensemble (its --help), which must not import torch.
EVALUATION_DEFAULTS = {"dataset_name": "stanfordnlp/sst2", "validation_file": None, "eval_split": "validation",
                       "text_column": "sentence", "label_column": "label"}


ENSEMBLE_TYPE = "classic_transformer_ensemble"
# What an ensemble folder holds, for one written before metrics.json listed its files ("files"): the model, its
# modelling code (custom code), the tokenizer, the card, metrics.json and the confusion matrix. Anything else makes
# the folder someone else's.
ENSEMBLE_FILE_PATTERNS = ("config.json", "generation_config.json", "model.safetensors", "model-*-of-*.safetensors",
                          "model.safetensors.index.json", "configuration_*.py", "modeling_*.py", "pipeline_*.py",
                          "tokenization_*.py", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                          "added_tokens.json", "vocab.txt", "vocab.json", "merges.txt", "chat_template.jinja",
                          "README.md", "metrics.json", "confusion_matrix.png")


def check_output_dir(output_dir: Path, members: list[str], overwrite: bool) -> list[str]:
    """Before any work: the ensemble never lands on a member, nor replaces anything but an earlier ensemble.
    Returns the names of the earlier ensemble's files (what a save may delete), [] for a new or empty folder."""
    target = output_dir.resolve()
    for member in members:
        folder = Path(member).resolve()
        if Path(member).exists() and (target == folder or target.is_relative_to(folder)
                                      or folder.is_relative_to(target)):
            raise OutputDirError(
                f"--output_dir {output_dir} {'is' if target == folder else 'overlaps'} the member run {member}: "
                "the ensemble goes into a folder of its own. Choose another --output_dir.")
    if output_dir.exists() and not output_dir.is_dir():
        raise OutputDirError(f"--output_dir {output_dir} is a file, not a folder: choose another --output_dir "
                             "(a new folder, or one holding an earlier ensemble).")
    return _check_contents(output_dir, overwrite)


def _check_contents(folder: Path, overwrite: bool, shown_as: Path | None = None) -> list[str]:
    """The names of an earlier ensemble's files in folder ([] when it is missing or empty); OutputDirError (naming
    `shown_as`, the folder's name for the user) when it holds files and not --overwrite_output_dir, or anything
    that is not an earlier ensemble's."""
    shown_as = shown_as or folder
    entries = _entries(folder)
    if not entries:
        return []
    if not overwrite:
        raise OutputDirError(f"{shown_as} already holds files: pass --overwrite_output_dir to replace an "
                             "earlier ensemble there, or choose another --output_dir.")
    found, others = _earlier_ensemble(folder, entries)
    if others:
        raise OutputDirError(
            f"{shown_as} holds something other than an ensemble this command wrote (model type {found!r}; "
            f"{', '.join(others[:6])}): --overwrite_output_dir only replaces an earlier ensemble. Nothing was "
            "changed; choose another --output_dir, or move those out first.")
    return entries


def _entries(folder: Path) -> list[str]:
    """The names in folder, sorted, without the lock file ([] when there is no folder)."""
    return sorted(p.name for p in folder.iterdir() if p.name != LOCK_FILE) if folder.is_dir() else []


def _earlier_ensemble(folder: Path, entries: list[str]) -> tuple[str | None, list[str]]:
    """(model type in config.json, the entries that are not an earlier ensemble's files). Conservative: a folder
    whose config.json is not an ensemble's is all someone else's; a sub-folder or a link is never the ensemble's;
    a name is the ensemble's when metrics.json lists it (files), else (an older ensemble) when it is one of the
    names an ensemble writes."""
    found = _read_json(folder / "config.json").get("model_type")
    if found != ENSEMBLE_TYPE:
        return found, entries
    listed = _read_json(folder / "metrics.json").get("files")

    def ours(name: str) -> bool:
        if isinstance(listed, list):
            return name in listed or name == "metrics.json"
        return any(fnmatch.fnmatchcase(name, pattern) for pattern in ENSEMBLE_FILE_PATTERNS)

    others = [n for n in entries if not ours(n) or (folder / n).is_symlink() or not (folder / n).is_file()]
    return found, others


def _read_json(path: Path) -> dict:
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


@contextmanager
def locked_output_dir(output_dir: Path, members: list[str], overwrite: bool):
    """Hold the run lock of output_dir (created if need be) while the body works, checking the folder again once
    it is held (another command may have written it since the first check). On failure a folder this created
    is removed again when it is still empty; nothing else is touched."""
    created = not output_dir.exists()
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputDirError(f"--output_dir {output_dir} cannot be created ({err.strerror or err}): choose another "
                             "--output_dir.") from None
    lock = None
    try:
        lock = RunLock(output_dir).acquire()
        check_output_dir(output_dir, members, overwrite)
        yield lock
    except BaseException:
        if lock is not None and created and output_dir.is_dir():
            (output_dir / LOCK_FILE).unlink(missing_ok=True)
            with suppress(OSError):
                output_dir.rmdir()  # only when empty
        raise
    finally:
        if lock is not None:
            lock.release()


def check_members(members: list[str]) -> None:
    """Each member is a saved transformer-sst2 classifier (a folder or a Hub id), not an ensemble: one
    CheckpointError naming the member otherwise, before anything is loaded."""
    from ..demos.loader import DESCRIPTIONS, detect_family, read_config, resolve_checkpoint

    for member in members:
        config = read_config(resolve_checkpoint(member))
        if config.get("model_type") == ENSEMBLE_TYPE:
            raise CheckpointError(f"Member {member} is itself an ensemble: pass the runs it joined (listed in its "
                                  "metrics.json) as members instead.")
        family = detect_family(config)
        if family != "transformer-sst2":
            raise CheckpointError(f"Member {member} holds {DESCRIPTIONS.get(family, family)}, but `classicnets "
                                  "ensemble` joins Transformer text classifiers (runs of `classicnets train "
                                  "transformer-sst2`).")


def fill_evaluation_defaults(args) -> None:
    """Unset data options come from the first member's run (its metrics.json), else from SST-2's."""
    explicit = args.dataset_name is not None or args.validation_file is not None
    unset = [name for name in EVALUATION_DEFAULTS if getattr(args, name) is None
             and not (explicit and name in ("dataset_name", "validation_file"))]
    member = _recipe_arguments(Path(args.members[0])) if unset else {}
    for name in unset:
        found = member.get(name)
        setattr(args, name, found if isinstance(found, str) and found else EVALUATION_DEFAULTS[name])
    if args.validation_file:
        args.dataset_name = None


def _recipe_arguments(run: Path) -> dict:
    """A run's recipe options: exact from its last checkpoint (local paths kept), else from its published
    metrics.json (paths there are made portable), else none (a folder from the Hub)."""
    from .checkpointing import ENGINE_STATE, completed_checkpoints

    for source in [c / ENGINE_STATE for c in completed_checkpoints(run)[-1:]] + [run / "metrics.json"]:
        if not source.is_file():
            continue
        try:
            found = json.loads(source.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise CheckpointError(
                f"{source} cannot be read ({type(err).__name__}: {str(err)[:120]}), and the evaluation data "
                "options that are not given are read from it: repair or remove the file, or give --dataset_name "
                "(or --validation_file), --eval_split, --text_column and --label_column.") from None
        if isinstance(found, dict) and isinstance(found.get("recipe_arguments"), dict):
            return found["recipe_arguments"]
    return {}


def build_ensemble(members: list[str]):
    """The ensemble model and the one tokenizer its members share (refused when their tokenizers differ)."""
    from transformers import AutoTokenizer

    from ..demos.loader import quiet_loading
    from ..models.registry import register_all

    register_all()  # the Auto classes know the families
    from classicnets import TransformerEnsembleForSequenceClassification

    tokenizers = []
    for member in members:
        try:
            tokenizers.append(AutoTokenizer.from_pretrained(member))
        except (OSError, ValueError) as err:  # no tokenizer saved beside the model (transformers: a ValueError)
            raise CheckpointError(f"Member {member} has no tokenizer that can be loaded ({_first_line(err)}): pass "
                                  "the folder a transformer-sst2 run saved its model and tokenizer to.") from None
    for member, tokenizer in zip(members[1:], tokenizers[1:]):
        if tokenizer.get_vocab() != tokenizers[0].get_vocab():
            raise CheckpointError(
                f"Member {member} reads text with another vocabulary than {members[0]}: members must share one "
                f"tokenizer. Train them with --tokenizer_name {members[0]} (or one common tokenizer folder).")
    try:
        with quiet_loading():
            model = TransformerEnsembleForSequenceClassification.from_members(members)
    except OSError as err:  # a weights file missing from a folder or repo
        raise CheckpointError(f"A member's model cannot be loaded: {_first_line(err)}") from None
    except ValueError as err:
        if not str(err).startswith("Member "):  # from_members: another architecture or other labels
            raise
        raise CheckpointError(str(err)) from None
    return model.eval(), tokenizers[0]


def _first_line(err: BaseException) -> str:
    return (str(err).strip().splitlines() or [type(err).__name__])[0]


def load_evaluation_split(args):
    """The evaluation split as a datasets.Dataset; a DataError for a split the data does not have or an empty
    one."""
    from ..data import load_data_files, load_hub_dataset

    data = args.validation_file or args.dataset_name
    try:
        if args.validation_file:
            split = load_data_files({"validation": args.validation_file})["validation"]
        else:
            split = load_hub_dataset(args.dataset_name, split=args.eval_split)
    except ValueError as err:
        if "corresponds to no data" in str(err):  # datasets: a file with a header and no rows
            split = []
        elif "split" in str(err).lower() and not args.validation_file:
            raise DataError(f"--eval_split {args.eval_split!r}: the dataset {data} has no such split "
                            f"({_first_line(err)[:200]}). Choose one of its splits.") from None
        else:
            raise
    if len(split) == 0:
        raise DataError(f"Split {args.eval_split!r} of {data} has no rows: there is nothing to evaluate on. "
                        "Choose another --eval_split or other data.")
    return split


def evaluation_labels(values: list, column: str, split: str, num_labels: int) -> torch.Tensor:
    """The label column as class ids 0..num_labels-1; a DataError naming the first value that is not one."""
    def is_class_id(value) -> bool:
        if isinstance(value, bool):
            return False
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return isinstance(value, int) and 0 <= value < num_labels

    bad = next((v for v in values if not is_class_id(v)), None)
    if bad is not None or any(v is None for v in values):
        hidden = " (-1 marks a hidden label, as in SST-2's test split: evaluate on 'validation')" if bad == -1 else ""
        raise DataError(
            f"Split {split!r} has labels outside 0..{num_labels - 1} in column {column!r} (e.g. {bad!r}): the "
            f"members predict {num_labels} classes, numbered 0..{num_labels - 1}{hidden}. Set --label_column to "
            "the column of class numbers, or renumber the labels.")
    return torch.as_tensor([int(v) for v in values], dtype=torch.long)


@torch.no_grad()
def evaluate_ensemble(model, tokenizer, args) -> dict:
    """Accuracy of the ensemble and of each member, the ensemble's loss and confusion matrix."""
    import torch.nn.functional as F

    from ..data import require_columns
    from ..evaluation.classification import confusion_matrix

    split = load_evaluation_split(args)
    require_columns(split, [args.text_column, args.label_column], f"classicnets ensemble (--text_column "
                    f"{args.text_column}, --label_column {args.label_column}) on split {args.eval_split!r}")
    texts = [t if isinstance(t, str) else "" for t in split[args.text_column]]
    k = model.config.num_labels
    labels = evaluation_labels(list(split[args.label_column]), args.label_column, args.eval_split, k)
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
    """Write the ensemble into a new temporary folder beside output_dir, then swap it in. The caller holds the
    output folder's run lock (`locked_output_dir`); output_dir is checked again just before the swap, and an
    earlier ensemble there is renamed aside and its files deleted by name (never with rmtree)."""
    overwrite = args.overwrite_output_dir
    tmp = _free_name(output_dir, "tmp")
    tmp.mkdir()  # new (an existing folder of that name is an error): this command's alone
    try:
        _write_ensemble(tmp, model, tokenizer, evaluation, args)
        check_output_dir(output_dir, args.members, overwrite)  # again: files may have appeared while we worked
        _swap_in(tmp, output_dir, overwrite)
    except OSError as err:
        shutil.rmtree(tmp, ignore_errors=True)  # the folder this command made, and nothing else
        full = disk_full_error(err, output_dir)
        if full is None:
            raise
        raise full from err
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _free_name(folder: Path, what: str) -> Path:
    """`<folder>.<what>-<pid>-<random>` beside folder: a name nothing has."""
    while (found := folder.with_name(f"{folder.name}.{what}-{os.getpid()}-{secrets.token_hex(4)}")).exists():
        pass
    return found


def _write_ensemble(tmp: Path, model, tokenizer, evaluation: dict, args) -> None:
    from ..evaluation.classification import plot_confusion_matrix

    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    labels = [model.config.id2label[i] for i in range(model.config.num_labels)]
    plot_confusion_matrix(evaluation["confusion_matrix"], labels, tmp / "confusion_matrix.png")
    command = "classicnets " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[1:2] == ["ensemble"] \
        else "classicnets ensemble " + " ".join(args.members) + f" --output_dir {args.output_dir}"
    summary = {"command": command, "members": [str(m) for m in args.members],
               "dataset": args.validation_file or args.dataset_name,
               "split": args.eval_split, **evaluation}
    write_card(tmp, summary, labels, args)
    # The files of this ensemble, metrics.json last: what a later --overwrite_output_dir may replace.
    summary["files"] = sorted({p.name for p in tmp.iterdir()} | {"metrics.json"})
    (tmp / "metrics.json").write_text(json.dumps(portable(summary, Path.cwd()), indent=2))  # no local paths


def _swap_in(tmp: Path, output_dir: Path, overwrite: bool) -> None:
    """Rename the finished ensemble to output_dir. What is there (the locked folder: empty, or an earlier
    ensemble) is renamed aside first and checked once more where no one else writes to it; if it holds anything
    else it is renamed back and the command refused. Then the earlier ensemble's files are deleted by name."""
    old = _free_name(output_dir, "replaced")
    try:
        output_dir.rename(old)
    except FileNotFoundError:  # removed while the ensemble was evaluated: nothing to replace
        tmp.rename(output_dir)
        return
    try:
        ours = _check_contents(old, overwrite, shown_as=output_dir)
        tmp.rename(output_dir)
    except BaseException:
        if not output_dir.exists():
            old.rename(output_dir)  # as it was
        raise
    for name in [*ours, LOCK_FILE]:
        (old / name).unlink(missing_ok=True)
    try:
        old.rmdir()
    except OSError:  # something was written into it in the last instant: it is kept, and said where
        print(f"Kept {old}: it holds files the ensemble did not write ({', '.join(_entries(old)[:6])}).",
              file=sys.stderr)


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
    command = _read_json(Path(member) / "metrics.json").get("command")
    return command if isinstance(command, str) else "?"
