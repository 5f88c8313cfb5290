import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "cli_startup.py"


def test_cli_startup_benchmark_runs_and_writes_its_figures(tmp_path):
    out = tmp_path / "startup.json"
    subprocess.run([sys.executable, str(SCRIPT), "--rounds", "1", "--output", str(out)], check=True,
                   capture_output=True, timeout=600)
    results = json.loads(out.read_text())["results"]
    assert set(results) >= {"--help", "train --help", "push --help"}
    assert all(row["after"]["median"] > 0 for row in results.values())


def test_help_imports_neither_torch_nor_transformers():
    """What makes `classicnets --help` fast, checked without timing it."""
    code = ("import sys; from classicnets.cli import main\n"
            "for argv in (['--help'], ['train', '--help'], ['push', '--help'], ['generate', '--help'],"
            " ['evaluate', '--help'], ['ensemble', '--help'], ['classify', '--help'], ['demo', '--help'],"
            " ['space', '--help']):\n"
            "    try:\n        main(argv)\n    except SystemExit:\n        pass\n"
            "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip().splitlines()[-1] == "[]"
