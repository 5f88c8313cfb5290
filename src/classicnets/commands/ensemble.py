"""`classicnets ensemble RUN [RUN ...] --output_dir DIR`: join trained transformer-sst2 runs into one
deep-ensemble checkpoint and score it (the work is done by `classicnets.training.ensemble`, imported when the
command runs)."""

import argparse
import time
from pathlib import Path

DEFAULT_DATASET = "stanfordnlp/sst2"

DESCRIPTION = """\
The members are ordinary `classicnets train transformer-sst2` runs that differ only in --seed (their random
weights, data order, dropout and word-dropout masks) and share one tokenizer (--tokenizer_name). The result is a
`TransformerEnsembleForSequenceClassification` folder that `AutoModelForSequenceClassification` and
`pipeline("text-classification")` load like a single classifier: its prediction is the members' mean probability.
The command scores every member and the ensemble on the evaluation split, and writes metrics.json, a confusion
matrix (markdown and PNG) and a model card beside the weights. The folder is written under a temporary name and
renamed when complete, so an interrupted command leaves no half-written checkpoint."""

EPILOG = """\
example (two members trained side by side, one thread each, then joined):
  classicnets train transformer-sst2 examples/transformer_sst2.yaml --output_dir outputs/sst2-m0 --seed 0
  classicnets train transformer-sst2 examples/transformer_sst2.yaml --output_dir outputs/sst2-m1 --seed 1 \\
      --tokenizer_name outputs/sst2-m0
  classicnets ensemble outputs/sst2-m0 outputs/sst2-m1 --output_dir outputs/sst2-ensemble

python examples/transformer_sst2_ensemble.py runs the whole reference recipe."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(allow_abbrev=False, prog="classicnets ensemble", description=DESCRIPTION,
                                     epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("members", nargs="+", help="Checkpoint folders (or Hub ids) of trained classifiers.")
    parser.add_argument("--output_dir", required=True, help="Folder to write the ensemble checkpoint to.")
    parser.add_argument("--overwrite_output_dir", action="store_true",
                        help="Replace an existing --output_dir.")
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
                        help="Evaluation batch size (default: %(default)s).")
    parser.add_argument("--hub_model_id", default=None, help="Repository id the model card is written for.")
    return parser


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    from ..training.ensemble import (
        build_ensemble,
        check_output_dir,
        evaluate_ensemble,
        fill_evaluation_defaults,
        save_atomically,
    )

    output_dir = Path(args.output_dir)
    check_output_dir(output_dir, args.members, args.overwrite_output_dir)
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
