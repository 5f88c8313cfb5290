"""`classicnets push RUN_OR_FOLDER REPO_ID`: publish a trained run or a saved model on the Hub (the parser and
handler live with the Hub code, `classicnets.hub.cli`, which imports neither torch nor transformers)."""

import argparse


def main(argv: list[str]) -> int:
    from ..hub.cli import add_push_parser

    holder = argparse.ArgumentParser(prog="classicnets", add_help=False)
    add_push_parser(holder.add_subparsers(dest="command"))
    args = holder.parse_args(["push", *argv])
    return args.func(args)
