"""`classicnets ensemble RUN [RUN ...] --output_dir DIR`: join trained transformer-sst2 runs into one
deep-ensemble checkpoint and score it (the work is done by `classicnets.training.ensemble`, imported when the
command runs)."""

import argparse
import time
from pathlib import Path

from ..errors import OptionError
from . import ArgumentParser

DEFAULT_DATASET = "stanfordnlp/sst2"

DESCRIPTION = """\
The members are ordinary `classicnets train transformer-sst2` runs that differ only in --seed (their random
weights, data order, dropout and word-dropout masks) and share one tokenizer (--tokenizer_name). The result is a
`TransformerEnsembleForSequenceClassification` folder that `AutoModelForSequenceClassification` and
`pipeline("text-classification")` load like a single classifier: its prediction is the members' mean probability.
The command scores every member and the ensemble on the evaluation split, and writes metrics.json, a confusion
matrix (markdown and PNG) and a model card beside the weights. The folder is written under a temporary name and
renamed when complete, so an interrupted command leaves no half-written checkpoint. --output_dir is locked while
the command works (a second command or training run into it is refused, naming the first), and it is checked
again before the new ensemble takes its place: a file there that this command did not write is never deleted."""

EPILOG = """\
example (two members trained side by side, one thread each, then joined):
  classicnets train transformer-sst2 examples/transformer_sst2.yaml --output_dir outputs/sst2-m0 --seed 0
  classicnets train transformer-sst2 examples/transformer_sst2.yaml --output_dir outputs/sst2-m1 --seed 1 \\
      --tokenizer_name outputs/sst2-m0
  classicnets ensemble outputs/sst2-m0 outputs/sst2-m1 --output_dir outputs/sst2-ensemble

python examples/transformer_sst2_ensemble.py runs the whole reference recipe."""


def build_parser() -> argparse.ArgumentParser:
    # An error is one line naming the option (exit code 2), not argparse's usage block.
    parser = ArgumentParser(prog="classicnets ensemble", description=DESCRIPTION, epilog=EPILOG,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("members", nargs="+", help="Checkpoint folders (or Hub ids) of trained classifiers.")
    parser.add_argument("--output_dir", required=True, help="Folder to write the ensemble checkpoint to.")
    parser.add_argument("--overwrite_output_dir", action="store_true",
                        help="Replace an earlier ensemble in --output_dir (a folder holding anything else is refused; "
                             "the earlier ensemble is kept until the new one is in place).")
    parser.add_argument("--dataset_name", default=None,
                        help="Hub id or local folder in Hub layout to evaluate on "
                             f"(default: the first member's, else {DEFAULT_DATASET}).")
    parser.add_argument("--validation_file", default=None,
                        help="CSV/JSON(L)/parquet file to evaluate on instead.")
    parser.add_argument("--eval_split", default=None,
                        help="Split to evaluate on (default: the first member's).")
    parser.add_argument("--text_column", default=None,
                        help="Column holding the text (default: the first member's).")
    parser.add_argument("--label_column", default=None,
                        help="Column holding the label (default: the first member's).")
    parser.add_argument("--batch_size", type=int, default=128,
                        help="Evaluation batch size, >= 1 (default: %(default)s).")
    parser.add_argument("--hub_model_id", default=None, help="Repository id (org/name) the model card is written "
                                                             "for.")
    return parser


DATA_SUFFIXES = (".csv", ".tsv", ".json", ".jsonl", ".parquet")


def check_options(args: argparse.Namespace) -> None:
    """Every option that cannot work, refused before anything is read: one OptionError (exit code 2)."""
    from .space import is_repo_id

    if args.batch_size < 1:
        raise OptionError("batch_size", "must be >= 1", args.batch_size,
                          hint="it is the number of sentences scored at once (default 128)")
    if not args.output_dir.strip():
        raise OptionError("output_dir", "must name a folder", args.output_dir)
    if empty := [m for m in args.members if not m.strip()]:
        raise OptionError(None, f"RUN must name a member's folder or Hub id (got {empty[0]!r})")
    for name in ("dataset_name", "validation_file", "eval_split", "text_column", "label_column"):
        if getattr(args, name) is not None and not getattr(args, name).strip():
            raise OptionError(name, "must not be empty", getattr(args, name), hint="leave it out for the default")
    if args.dataset_name is not None and args.validation_file is not None:
        raise OptionError("validation_file", "and --dataset_name cannot both be given",
                          hint="evaluate on a Hub dataset (or local folder in Hub layout) or on one file")
    if args.validation_file is not None:
        file = Path(args.validation_file).expanduser()
        if not file.is_file():
            raise OptionError("validation_file", "is a folder" if file.is_dir() else "does not exist",
                              args.validation_file, hint="give a .csv, .tsv, .json, .jsonl or .parquet file")
        if file.suffix.lower() not in DATA_SUFFIXES:
            raise OptionError("validation_file", "must be a .csv, .tsv, .json, .jsonl or .parquet file (the format "
                              "comes from the suffix)", args.validation_file)
    if args.hub_model_id is not None and not is_repo_id(args.hub_model_id):
        raise OptionError("hub_model_id", "must be a Hub model id org/name", args.hub_model_id)


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    check_options(args)
    from ..training.ensemble import (
        build_ensemble,
        check_members,
        check_output_dir,
        evaluate_ensemble,
        fill_evaluation_defaults,
        locked_output_dir,
        save_atomically,
    )

    output_dir = Path(args.output_dir).expanduser()
    if output_dir.is_symlink():
        output_dir = output_dir.resolve()  # the folder itself is replaced, not the link
    check_output_dir(output_dir, args.members, args.overwrite_output_dir)  # before anything is read or written
    check_members(args.members)
    # Locked from here until the new ensemble is in place: a second command into the folder is refused.
    with locked_output_dir(output_dir, args.members, args.overwrite_output_dir):
        started = time.perf_counter()
        fill_evaluation_defaults(args)
        model, tokenizer = build_ensemble(args.members)
        print(f"Joined {len(args.members)} members: {type(model).__name__}, "
              f"{sum(p.numel() for p in model.parameters()):,} parameters")
        evaluation = evaluate_ensemble(model, tokenizer, args)
        for member, accuracy in zip(args.members, evaluation["member_accuracy"]):
            print(f"  member {member}: accuracy {accuracy:.2%}")
        print(f"Ensemble: accuracy {evaluation['val_accuracy']:.2%}, loss {evaluation['val_loss']:.4f} "
              f"on {evaluation['count']} sentences [{args.eval_split}]")
        evaluation["minutes"] = round((time.perf_counter() - started) / 60, 3)
        save_atomically(model, tokenizer, evaluation, args, output_dir)
    print(f"Saved the ensemble, metrics.json and its model card to {output_dir}")
    return 0
