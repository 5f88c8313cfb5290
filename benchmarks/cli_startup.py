"""Start-up time of the `classicnets` command line: `--help` of the top level and of each command.

    python benchmarks/cli_startup.py                      # this checkout
    python benchmarks/cli_startup.py --before e561629     # and side by side with an older commit (a git worktree)

Each command runs as a fresh process (`python -m classicnets ...`), the two versions in alternation, `--rounds`
times; the figures are the median and minimum wall time in seconds, and the ratio before/after of the medians.
Target: under one second for every `--help` on this project's 2-core machines.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = [["--help"], ["train", "--help"], ["generate", "--help"], ["push", "--help"], ["evaluate", "--help"],
            ["ensemble", "--help"], ["classify", "--help"], ["demo", "--help"], ["space", "--help"],
            ["train", "char-lstm", "--help"]]


def time_once(src: Path, argv: list[str]) -> float:
    env = {**os.environ, "PYTHONPATH": str(src)}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "classicnets", *argv], env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", default=None, help="A git commit to compare with (checked out in a worktree).")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--output", default=None, help="Write the figures as JSON here.")
    args = parser.parse_args(argv)
    versions = {"after": ROOT / "src"}
    with tempfile.TemporaryDirectory() as tmp:
        if args.before:
            tree = Path(tmp) / "before"
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), args.before],
                           check=True, capture_output=True)
            versions = {"before": tree / "src", **versions}
        try:
            results = {}
            for command in COMMANDS:
                times = {name: [] for name in versions}
                for _ in range(args.rounds):
                    for name, src in versions.items():
                        times[name].append(time_once(src, command))
                row = {name: {"median": statistics.median(t), "min": min(t)} for name, t in times.items()}
                if "before" in row:
                    row["speed-up"] = row["before"]["median"] / row["after"]["median"]
                results[" ".join(command)] = row
                print(f"classicnets {' '.join(command):<28}" + "  ".join(
                    f"{name} {v['median']:.2f} s (min {v['min']:.2f})" for name, v in row.items() if name in versions)
                    + (f"  {row['speed-up']:.1f}x" if "speed-up" in row else ""), flush=True)
        finally:
            if args.before:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tmp) + "/before"],
                               check=False, capture_output=True)
    if args.output:
        Path(args.output).write_text(json.dumps({"rounds": args.rounds, "before": args.before, "results": results},
                                                indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
