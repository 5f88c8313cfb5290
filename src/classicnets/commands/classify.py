"""`classicnets classify CHECKPOINT [SENTENCE ...]`: label sentences with a Transformer classifier (or ensemble).

    classicnets classify outputs/sst2 "a gripping , funny film ." "dull and far too long ."
    classicnets classify my-org/transformer-sst2 --file reviews.txt --json > labels.jsonl
    echo "what a waste of time" | classicnets classify outputs/sst2

Sentences come from the arguments, else `--file` (one a line), else standard input (one a line); blank lines are
skipped. Output: `label<TAB>score<TAB>sentence` a line, or with `--json` one JSON object a line
(`{"text", "label", "score", "scores"}`, `scores` holding every label's probability).
"""

import argparse
import json
import sys

from . import COMMANDS


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(allow_abbrev=False, prog="classicnets classify",
                                     description=COMMANDS["classify"])
    parser.add_argument("checkpoint", help="A transformer-sst2 run folder (or ensemble), or a Hub id org/name.")
    parser.add_argument("sentences", nargs="*", metavar="SENTENCE", help="Sentences to classify (default: read "
                                                                         "--file or standard input, one a line).")
    parser.add_argument("--file", metavar="PATH", help="A UTF-8 text file, one sentence a line ('-': stdin).")
    parser.add_argument("--json", action="store_true", help="Print JSON lines: text, label, score, scores.")
    parser.add_argument("--batch_size", type=int, default=32, help="Sentences per forward pass "
                                                                   "(default: %(default)s).")
    return parser


def main(argv: list[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.sentences and args.file:
        parser.error("give sentences as arguments or --file, not both.")
    if args.batch_size < 1:
        parser.error(f"--batch_size must be >= 1, got {args.batch_size}.")
    from ..demos.loader import (
        CheckpointError,
        detect_family,
        load_checkpoint,
        read_config,
        require_family,
        resolve_checkpoint,
    )

    try:
        checkpoint = resolve_checkpoint(args.checkpoint)
        family = detect_family(read_config(checkpoint))
        require_family(family, ("transformer-sst2",), "`classicnets classify`", args.checkpoint)
        sentences = read_sentences(args)
        model, tokenizer = load_checkpoint(checkpoint, family)
    except (CheckpointError, OSError) as err:
        print(f"classicnets classify: error: {err}", file=sys.stderr)
        return 1
    if not sentences:
        print("classicnets classify: error: no sentences to classify (give them as arguments, with --file, or on "
              "standard input).", file=sys.stderr)
        return 2
    from ..demos.sst2 import classify_sentences

    for result in classify_sentences(model, tokenizer, sentences, batch_size=args.batch_size):
        if args.json:
            print(json.dumps(result, ensure_ascii=False))
        else:
            print(f"{result['label']}\t{result['score']:.4f}\t{result['text']}")
    return 0


def read_sentences(args: argparse.Namespace) -> list[str]:
    if args.sentences:
        return [s for s in args.sentences if s.strip()]
    if args.file and args.file != "-":
        with open(args.file, encoding="utf-8") as f:
            lines = f.read().splitlines()
    else:
        if sys.stdin is None or sys.stdin.isatty():
            print("Reading sentences from standard input, one a line (end with Ctrl-D).", file=sys.stderr)
        lines = [] if sys.stdin is None else sys.stdin.read().splitlines()
    return [line for line in lines if line.strip()]
