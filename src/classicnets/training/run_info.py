"""What a run records about itself (metrics.json, the model card): its command, its machine, and paths made
portable, since both are published with the model."""

import os
import platform
import shlex
import sys
from pathlib import Path

import torch


def command_line(num_processes: int) -> str:
    """The command that started this run, as a user would type it again."""
    command = "classicnets " + shlex.join(sys.argv[1:])
    if num_processes > 1:
        command = f"accelerate launch --num_processes {num_processes} -m {command}"
    return command


def portable(value, cwd: Path):
    """`value` (a summary: nested dicts, lists, strings) with absolute local paths made relative to the working
    directory, or to `~` under the home directory, or reduced to `.../<name>` elsewhere; also inside a command
    line. Cards and metrics.json are published: they must not tell where a machine keeps its files."""
    if isinstance(value, dict):
        return {k: portable(v, cwd) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [portable(v, cwd) for v in value]
    if isinstance(value, str) and os.sep in value:
        if " " in value.strip() and not os.path.isabs(value):  # a command line: each word on its own
            try:
                return shlex.join(portable(word, cwd) for word in shlex.split(value))
            except ValueError:  # not a command line after all (unbalanced quotes)
                return value
        if os.path.isabs(value):
            path, home = Path(value), Path.home()
            if path.is_relative_to(cwd):
                return str(path.relative_to(cwd)) or "."
            if path.is_relative_to(home) and home != Path("/"):
                return str(Path("~") / path.relative_to(home))
            return f".../{path.name}"
    return value


def machine_description() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    gpu = f", {torch.cuda.get_device_name()}" if torch.cuda.is_available() else ""
    return f"{cpu}, {os.cpu_count()} CPU cores, {torch.get_num_threads()} torch threads{gpu}, torch {torch.__version__}"
