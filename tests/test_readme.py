"""The README is executed: every shell and Python block of README.md runs here, in order, as written.

A user's journey through the README, in one fresh folder (with a copy of `examples/`) and a fresh Hugging Face
cache: the blocks share `outputs/`, so a later block uses what an earlier one trained or pushed. Hub ids (e.g.
`my-org/char-lstm`) are served by the project's loopback Hub and the datasets come from the local mirror
(`../shared/data`; the test skips without it). The one change to what is written, as the README says: every
training command is shrunk to a few steps (`--max_steps 3` appended, and `--max_eval_samples 32` for the
seq2seq recipe; the ensemble example gets `--members 2 --member_steps 3`), and a shell block's set-up (making
the virtualenv, pip install) is this suite's own. A block marked `<!-- not run by the tests: REASON -->` is
skipped and listed with its reason; the README's test command is this suite itself.
"""

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from classicnets.testing import LoopbackHub

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
NOT_RUN = re.compile(r"<!--\s*not run by the tests:\s*(?P<reason>[^>]*?)\s*-->\s*$")
SETUP = re.compile(r"^python3 -m venv \.venv && \. \.venv/bin/activate && pip install [^&]+&& pip install [^&]+&& ")
# The shrinking the README announces, appended to each command that trains (which ends at `&&`, `;`, `#` or the
# end of its line).
TRAINING = re.compile(r"(?:classicnets train|examples/transformer_sst2_ensemble\.py)(?:(?!&&|;|#)[^\n])*?"
                      r"(?=\s*(?:&&|;|#|$))", re.M)


def _shrunk(match: re.Match) -> str:
    command = match.group(0)
    if "ensemble.py" in command:
        return command + " --members 2 --member_steps 3"
    # The seq2seq evaluation generates text for every validation line: a few lines do for a smoke run.
    return command + " --max_steps 3" + (" --max_eval_samples 32" if "transformer-seq2seq" in command else "")


@dataclass
class Block:
    language: str
    code: str
    line: int  # where it starts in README.md
    skip_reason: str | None

    def __str__(self) -> str:
        return f"README.md line {self.line} ({self.language}): {self.code.strip().splitlines()[0][:80]}"


def readme_blocks(text: str) -> list[Block]:
    blocks, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        fence = re.match(r"^```(bash|python)\s*$", lines[i])
        if not fence:
            i += 1
            continue
        start, i = i, i + 1
        while not lines[i].startswith("```"):
            i += 1
        marker = next((lines[j] for j in range(start - 1, -1, -1) if lines[j].strip()), "")
        reason = m.group("reason") if (m := NOT_RUN.match(marker.strip())) else None
        if "<!-- test-command -->" in marker:
            reason = "the README's test command: it is this suite itself (.ci/run runs it)"
        blocks.append(Block(fence.group(1), "\n".join(lines[start + 1 : i]) + "\n", start + 2, reason))
        i += 1
    return blocks


def as_run_here(block: Block) -> str:
    code = SETUP.sub("", block.code) if block.language == "bash" else block.code
    if block.language == "bash":
        code = TRAINING.sub(_shrunk, code)
        code = re.sub(r"^pip install .*$", "true  # installed: this suite's own set-up", code, flags=re.M)
    return code


def test_every_block_is_run_or_says_why_not():
    blocks = readme_blocks(README.read_text())
    assert len(blocks) >= 10
    for block in blocks:
        if block.skip_reason is not None:
            assert len(block.skip_reason) > 15, f"{block}: say why it is not run"
    main = next(b for b in blocks if "classicnets train char-lstm" in b.code and "venv" in b.code)
    assert main.skip_reason is None and SETUP.search(main.code), "the main command runs, less its set-up"


def test_shrinking_appends_a_step_limit_to_every_training_command():
    block = Block("bash", "classicnets train char-lstm --max_time 2  # two minutes\n"
                          "python examples/transformer_sst2_ensemble.py --output_dir x\n"
                          "classicnets train gan-mnist --seed 1 && classicnets generate out --num_images 4\n", 1, None)
    assert as_run_here(block) == ("classicnets train char-lstm --max_time 2 --max_steps 3  # two minutes\n"
                                  "python examples/transformer_sst2_ensemble.py --output_dir x --members 2 "
                                  "--member_steps 3\n"
                                  "classicnets train gan-mnist --seed 1 --max_steps 3 && classicnets generate out "
                                  "--num_images 4\n")


@pytest.mark.slow
@pytest.mark.data
@pytest.mark.timeout(1800)  # every block of the README, each a fresh process: minutes
def test_the_readme_runs_as_written(shared_data, tmp_path):
    workdir = tmp_path / "user"
    workdir.mkdir()
    shutil.copytree(ROOT / "examples", workdir / "examples")
    hub = LoopbackHub().start()
    try:
        env = {**hub.client_env(tmp_path / "hf-home"), "CLASSICNETS_DATA_MIRROR": str(shared_data),
               "HF_DATASETS_DISABLE_PROGRESS_BARS": "1", "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg",
               "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
        skipped = []
        for block in readme_blocks(README.read_text()):
            if block.skip_reason is not None:
                skipped.append(f"{block}: {block.skip_reason}")
                continue
            code = as_run_here(block)
            command = ["bash", "-euo", "pipefail", "-c", code] if block.language == "bash" else \
                [sys.executable, "-c", code]
            proc = subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True, timeout=900)
            assert proc.returncode == 0, (f"{block} failed (exit {proc.returncode}):\n{code}\n--- stdout ---\n"
                                          f"{proc.stdout[-3000:]}\n--- stderr ---\n{proc.stderr[-6000:]}")
    finally:
        hub.stop()
    print("Not run:\n  " + "\n  ".join(skipped))
