"""benchmarks/seq2seq_generation.py runs end to end at tiny sizes and reports both paths side by side."""

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "seq2seq_generation.py"


def test_seq2seq_generation_benchmark_compares_cache_and_plain_loop(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--new-tokens", "4", "12", "--source-len", "6", "--batch-size", "2",
         "--d-model", "32", "--num-heads", "2", "--layers", "1", "--vocab-size", "50", "--warmup", "0",
         "--repeats", "1", "--threads", "1", "--output", str(out)],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(out.read_text())
    assert [r["new_tokens"] for r in result["rows"]] == [4, 12]
    for row in result["rows"]:
        assert row["same_tokens"], row  # the cache changes the cost, never the tokens
        assert row["cached_seconds"] > 0 and row["plain_seconds"] > 0
        assert row["plain_over_cached"] == row["plain_seconds"] / row["cached_seconds"]
        assert row["cached_tokens_per_second"] == 2 * row["new_tokens"] / row["cached_seconds"]
    assert len(result["machine"]["load_average_before"]) == 3
    assert "plain/cached" in proc.stdout and "ms per token from 4 to 12" in proc.stdout
