"""benchmarks/attention.py runs end to end (tiny preset) and writes every figure the issue asks for."""

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "attention.py"


def test_attention_benchmark_writes_both_comparisons(tmp_path):
    out = tmp_path / "bench.json"
    # A small matrix product: the default one takes minutes in bf16 on a CPU without bf16 units (AVX2).
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--preset", "tiny", "--vocab-size", "100", "--lengths", "8", "16",
         "--train-batch", "4", "--batch-sizes", "1", "4", "--infer-len", "8", "--warmup", "1", "--repeats", "1",
         "--matmul-shape", "64", "32", "48", "--threads", "1", "--output", str(out)],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(out.read_text())
    assert [r["seq_len"] for r in result["attention"]] == [8, 16]
    assert all(r["eager_ms"] > 0 and r["sdpa_ms"] > 0 for r in result["attention"])
    assert [(r["dtype"], r["batch"]) for r in result["inference"]] == [("fp32", 1), ("fp32", 4), ("bf16", 1),
                                                                       ("bf16", 4)]
    assert result["matmul"]["shape"] == [64, 32, 48]
    assert result["matmul"]["fp32_ms"] > 0 and result["matmul"]["bf16_ms"] > 0
    assert "eager/sdpa" in proc.stdout and "sentences/s" in proc.stdout
    assert "Matrix product (64, 32) @ (32, 48)" in proc.stdout
