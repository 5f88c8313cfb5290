"""`classicnets demo CHECKPOINT`: a web demo of a trained model (Gradio), served on this machine only.

    classicnets demo outputs/char-lstm                 # http://127.0.0.1:7860 (the next free port if taken)
    classicnets demo my-org/transformer-sst2 --port 8000

The family comes from config.json: char-LSTM (streamed text), Transformer classifier (label and attention), GAN
(a grid and an interpolation strip). Needs gradio: `pip install "classicnets[demo]"`.
"""

import argparse
import importlib.util

from ..errors import OptionError, UserError
from . import COMMANDS, ArgumentParser


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(prog="classicnets demo", description=COMMANDS["demo"])
    parser.add_argument("checkpoint", help="A run folder (or any save_pretrained folder), or a Hub id org/name.")
    parser.add_argument("--port", type=int, default=None, help="Port on 127.0.0.1 (default: 7860, or the next free).")
    parser.add_argument("--share", choices=("off", "on"), default="off",
                        help="'on' also opens a temporary public gradio.live link (needs internet; default: off).")
    parser.add_argument("--title", help="Title shown on the page (default: the family and the checkpoint's name).")
    return parser


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    if args.port is not None and not 0 < args.port < 65536:
        raise OptionError("port", "must be in 1..65535", args.port)
    if importlib.util.find_spec("gradio") is None:  # not installed (a broken install keeps its traceback)
        raise UserError('the demos need gradio: pip install "classicnets[demo]"')
    from ..demos import build_demo, launch_demo

    demo = build_demo(args.checkpoint, title=args.title)  # CheckpointError: one line, exit 1 (commands.main)
    try:
        launch_demo(demo, port=args.port, share=args.share == "on", block=True)
    except OSError as err:  # the port is taken, or cannot be bound
        where = "127.0.0.1" + (f":{args.port}" if args.port else "")
        raise UserError(f"cannot serve on {where}: {err}; choose another --port") from err
    return 0

