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

from . import COMMANDS, ArgumentParser


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(prog="classicnets classify", description=COMMANDS["classify"])
    parser.add_argument("checkpoint", help="A transformer-sst2 run folder (or ensemble), or a Hub id org/name.")
    parser.add_argument("sentences", nargs="*", metavar="SENTENCE", help="Sentences to classify (default: read "
                                                                         "--file or standard input, one a line).")
    parser.add_argument("--file", metavar="PATH", help="A text file, one sentence a line ('-': stdin).")
    parser.add_argument("--encoding", default="utf-8", help="Encoding of --file or standard input (default: "
                                                            "%(default)s; e.g. latin-1, cp1252).")
    parser.add_argument("--json", action="store_true", help="Print JSON lines: text, label, score, scores.")
    parser.add_argument("--batch_size", type=int, default=32, help="Sentences per forward pass "
                                                                   "(default: %(default)s).")
    return parser


def main(argv: list[str]) -> int:
    from ..errors import OptionError

    args = build_parser().parse_args(argv)
    if args.sentences and args.file:
        raise OptionError("file", "and SENTENCE arguments cannot both be given", hint="give sentences as arguments "
                                                                                     "or --file, not both")
    if args.batch_size < 1:
        raise OptionError("batch_size", "must be >= 1", args.batch_size)
    check_encoding(args.encoding)
    from ..demos.loader import detect_family, load_checkpoint, read_config, require_family, resolve_checkpoint

    # Errors the user can fix (CheckpointError, DataError, OptionError) are one line from `classicnets` itself.
    checkpoint = resolve_checkpoint(args.checkpoint)
    family = detect_family(read_config(checkpoint))
    require_family(family, ("transformer-sst2",), "`classicnets classify`", args.checkpoint)
    sentences = read_sentences(args)
    if not sentences:
        raise OptionError(None, "no sentences to classify (give them as arguments, with --file, or on standard "
                                "input)")
    model, tokenizer = load_checkpoint(checkpoint, family)
    from ..demos.sst2 import classify_sentences

    for result in classify_sentences(model, tokenizer, sentences, batch_size=args.batch_size):
        if args.json:
            print(json.dumps(result, ensure_ascii=False))
        else:
            print(f"{result['label']}\t{result['score']:.4f}\t{result['text']}")
    return 0


def check_encoding(encoding: str) -> None:
    import codecs

    from ..errors import OptionError

    try:
        codecs.lookup(encoding)
    except LookupError:
        raise OptionError("encoding", "is not an encoding Python knows", encoding,
                          hint="e.g. utf-8, latin-1, cp1252") from None


def read_sentences(args: argparse.Namespace) -> list[str]:
    if args.sentences:
        return [s for s in args.sentences if s.strip()]
    if args.file and args.file != "-":
        from ..data.text_files import check_text_file

        check_text_file(args.file, args.encoding, "file")  # DataError naming the file, the byte and the fix
        with open(args.file, encoding=args.encoding) as f:
            lines = f.read().splitlines()
    else:
        if sys.stdin is None or sys.stdin.isatty():
            print("Reading sentences from standard input, one a line (end with Ctrl-D).", file=sys.stderr)
        lines = [] if sys.stdin is None else read_stdin(args.encoding).splitlines()
    return [line for line in lines if line.strip()]


def read_stdin(encoding: str) -> str:
    """Standard input decoded with --encoding (a text stream without a byte buffer, as in tests, is read as is)."""
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is None:
        return sys.stdin.read()
    data = buffer.read()
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as err:
        from ..errors import DataError

        line = data.count(b"\n", 0, err.start) + 1
        raise DataError(f"standard input is not valid {encoding}: byte 0x{data[err.start]:02x} at offset {err.start} "
                        f"(line {line}) cannot be decoded ({err.reason}). Pass "
                        "its encoding, e.g. --encoding latin-1 (or cp1252 for Windows text), or convert it to UTF-8 "
                        "(iconv -f latin-1 -t utf-8).") from None
