"""benchmarks/gpu_check.py runs end to end on the CPU (--tiny) and writes every figure the GPU run reports."""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "gpu_check.py"
RUNS = ["char-lstm", "transformer-sst2", "gan-mlp", "gan-dcgan"]


def load_script():
    spec = importlib.util.spec_from_file_location("gpu_check", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("gpu-check")
    out = work / "gpu_check.json"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, str(SCRIPT), "--device", "cpu", "--tiny", "--work_dir", str(work / "runs"),
                           "--output", str(out)], capture_output=True, text=True, timeout=600, env=env, cwd=work)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    return json.loads(out.read_text()), proc.stdout


def test_every_recipe_trains_in_both_precisions(tiny_run):
    result, stdout = tiny_run
    assert result["device"] == "cpu" and result["tiny"] is True
    assert [(r["run"], r["mixed_precision"]) for r in result["runs"]] == [(k, p) for k in RUNS for p in ("no", "bf16")]
    for r in result["runs"]:
        assert r["device"] == "cpu" and r["timed_steps"] == 3
        assert r["steps_per_second"] > 0 and r[f"{r['unit']}_per_second"] > 0
        assert r["peak_memory_bytes"] > 50 * 2**20 and r["peak_memory_kind"] == "process RSS"
        assert r["flops_per_step"] > 0 and 0 < r["mfu"] < 1 and r["peak_tflops"] == 989.0
        assert r["gpu_busy_fraction"] is None  # no GPU to keep busy
    units = {r["run"]: r["unit"] for r in result["runs"]}
    assert units == {"char-lstm": "tokens", "transformer-sst2": "tokens", "gan-mlp": "images", "gan-dcgan": "images"}
    assert {r["run"] for r in result["runs"] if r["profiled_steps"]} == {"char-lstm", "gan-mlp"}
    assert "steps/s" in stdout and "GPU busy" in stdout


def test_flop_counts_match_the_models(tiny_run):
    runs = {(r["run"], r["mixed_precision"]): r for r in tiny_run[0]["runs"]}
    # mlp GAN, batch 8: per image G 100x128 + 128x784 and D 784x128 + 128x1 multiply-adds; a step runs G forward and
    # backward (3x) and D over real, fake and fake again, with the backward passes of the two losses.
    g, d = 100 * 128 + 128 * 784, 784 * 128 + 128
    per_image = runs[("gan-mlp", "no")]["flops_per_step"] / 8
    assert 2 * (3 * g + 4 * d) <= per_image <= 2 * (3 * g + 7 * d)
    assert runs[("gan-mlp", "bf16")]["flops_per_step"] == runs[("gan-mlp", "no")]["flops_per_step"]
    # char-LSTM tiny preset (16-d input, 2 layers of 32), batch 8 x 32 predicted characters: 6 x weights per character.
    per_token = runs[("char-lstm", "no")]["flops_per_step"] / (8 * 32) / 6
    lstm_weights = 4 * 32 * (16 + 32) + 4 * 32 * (32 + 32)
    assert per_token > lstm_weights and (per_token - lstm_weights) % 32 == 0  # + the 32 x vocab output layer


def test_generation_checks(tiny_run):
    generation = tiny_run[0]["generation"]
    lstm = generation["char-lstm"]
    assert lstm["greedy_matches_cpu"] is True and lstm["greedy_first_difference"] is None
    assert lstm["seeded_sampling_reproducible"] is True and lstm["greedy_text"].startswith("ROMEO:")
    assert lstm["greedy_tokens_per_second"] > 0 and lstm["sampled_tokens_per_second"] > 0
    for key in ("gan-mlp", "gan-dcgan"):
        gan = generation[key]
        assert gan["seeded_reproducible"] is True and gan["num_images"] == 64 and gan["images_per_second"] > 0
        assert gan["max_abs_difference_vs_cpu"] == 0.0  # the device is the CPU here
        assert gan["max_abs_difference_batch_size_7"] < 1e-6
    assert "transformer-sst2" not in generation


def test_arguments():
    gpu_check = load_script()
    args = gpu_check.parse_args(["--device", "cpu", "--tiny"])
    assert (args.max_steps, args.warmup_steps, args.profile_steps) == (3, 2, 2)
    assert gpu_check.parse_args(["--device", "cpu"]).max_steps == 300
    with pytest.raises(SystemExit):
        gpu_check.parse_args(["--device", "cpu", "--warmup_steps", "0"])
    if not torch.cuda.is_available():
        with pytest.raises(SystemExit):
            gpu_check.parse_args(["--device", "cuda"])
    assert "--device cuda --data_dir ../shared/data" in gpu_check.__doc__
