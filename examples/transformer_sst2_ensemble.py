"""The SST-2 reference recipe: a deep ensemble of small Transformer encoders, trained from scratch.

    python examples/transformer_sst2_ensemble.py --output_dir outputs/transformer-sst2-ensemble
    python examples/transformer_sst2_ensemble.py --members 4 --member_steps 500 -- --learning_rate 5e-4

Trains --members runs of `classicnets train transformer-sst2 examples/transformer_sst2.yaml` that differ only in
--seed, --parallel at a time with one thread each (on 2 CPU cores two one-thread processes do about 1.4 times the
work of one two-thread process), then joins them with `classicnets ensemble` into <output_dir>, which
`pipeline("text-classification", model=<output_dir>)` loads like one classifier. The members share the tokenizer
that the first one trains; they are kept in <output_dir>-members. Flags after `--` go to every member's run.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent
# Word-level vocabulary (every word of the train split; measured slightly ahead of 8,000 WordPieces) and a short
# run: a member's validation loss is lowest after about half an epoch, and short runs leave room for more members.
MEMBER_OPTIONS = ["--vocab_size", "30000", "--min_frequency", "1"]


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output_dir", default="outputs/transformer-sst2-ensemble", help="Where the ensemble goes.")
    parser.add_argument("--members", type=int, default=16, help="Members to train (default: %(default)s).")
    parser.add_argument("--member_steps", type=int, default=1150,
                        help="Optimizer steps of each member, its --max_steps (default: %(default)s, about 2 minutes "
                             "a member on 2 idle CPU cores, two members at a time). A count of steps, not a time, "
                             "so that the ensemble is the same on any machine.")
    parser.add_argument("--member_minutes", type=float, default=None,
                        help="A time budget instead: each member's --max_time in minutes (its cosine paced by time).")
    parser.add_argument("--parallel", type=int, default=2, help="Members trained at once (default: %(default)s).")
    parser.add_argument("--first_seed", type=int, default=0, help="Member i gets seed first_seed + i.")
    parser.add_argument("--options_file", default=os.path.relpath(EXAMPLES / "transformer_sst2.yaml"),
                        help="The members' options file (default: examples/transformer_sst2.yaml).")
    parser.add_argument("member_flags", nargs=argparse.REMAINDER, help="-- then flags for every member's run.")
    args = parser.parse_args(argv)
    args.member_flags = [f for f in args.member_flags if f != "--"]
    if args.members < 1 or args.parallel < 1:
        parser.error("--members and --parallel must be >= 1.")
    return args


def member_command(args, index: int, member_dir: Path, tokenizer: Path | None) -> list[str]:
    budget = (["--max_steps", "20000", "--max_time", str(args.member_minutes)] if args.member_minutes is not None
              else ["--max_steps", str(args.member_steps)])
    command = [sys.executable, "-m", "classicnets", "train", "transformer-sst2", args.options_file, *MEMBER_OPTIONS,
               *budget, "--seed", str(args.first_seed + index), "--output_dir", str(member_dir)]
    if tokenizer is not None:
        command += ["--tokenizer_name", str(tokenizer)]
    return command + args.member_flags


def wait_for_tokenizer(first: subprocess.Popen, folder: Path) -> Path:
    """The first member writes its tokenizer before it trains (training_options.json last): wait for it."""
    while not (folder / "training_options.json").is_file():
        if first.poll() is not None:
            raise SystemExit(f"The first member stopped (exit code {first.returncode}) before writing its tokenizer: "
                             f"see {folder.parent}.log")
        time.sleep(1)
    return folder


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    started = time.perf_counter()
    members_dir = Path(f"{args.output_dir}-members")
    members_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_DATASETS_DISABLE_PROGRESS_BARS": "1"}
    running: list[tuple[int, subprocess.Popen]] = []
    tokenizer = None
    member_dirs = [members_dir / f"member-{i}" for i in range(args.members)]
    for index, member_dir in enumerate(member_dirs):
        while len(running) >= args.parallel:
            running = _reap(running, member_dirs, started)
        log = open(f"{member_dir}.log", "w")  # noqa: SIM115  (closed with the process)
        process = subprocess.Popen(member_command(args, index, member_dir, tokenizer), stdout=log,
                                   stderr=subprocess.STDOUT, env=env)
        running.append((index, process))
        print(f"[{_minutes(started)}] member {index}: training (log {member_dir}.log)", flush=True)
        if tokenizer is None:
            tokenizer = wait_for_tokenizer(process, member_dir / "tokenizer")
    while running:
        running = _reap(running, member_dirs, started)

    from classicnets.cli import main as classicnets_main

    code = classicnets_main(["ensemble", *map(str, member_dirs), "--output_dir", args.output_dir,
                             "--overwrite_output_dir"])
    print(f"[{_minutes(started)}] done: {args.members} members and the ensemble in {_minutes(started)} wall time")
    return code


def _reap(running, member_dirs, started):
    """Wait for one member to finish; stop everything if it failed."""
    while True:
        for item in running:
            index, process = item
            if process.poll() is None:
                continue
            if process.returncode != 0:
                for _, other in running:
                    other.terminate()
                raise SystemExit(f"Member {index} failed (exit code {process.returncode}): "
                                 f"see {member_dirs[index]}.log")
            final = json.loads((member_dirs[index] / "metrics.json").read_text())["final"]
            print(f"[{_minutes(started)}] member {index}: done, accuracy {final['val_accuracy']:.2%}", flush=True)
            return [r for r in running if r is not item]
        time.sleep(1)


def _minutes(started: float) -> str:
    seconds = time.perf_counter() - started
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


if __name__ == "__main__":
    sys.exit(main())
