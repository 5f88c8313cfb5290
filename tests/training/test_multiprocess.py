import json
import sys

import pytest
import torch
from safetensors.torch import load_file

from .helpers import run_train, tiny_char_lstm_args

# accelerate's `--cpu` flag starts several processes only through mpirun; torchrun (`--multi_gpu`) with
# ACCELERATE_USE_CPU=true starts a gloo process group on CPUs.
# `--main_process_port 0`: a free port, not 29500, which a run in another test worker may hold.
ACCELERATE = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2",
              "--num_machines", "1", "--main_process_port", "0", "--mixed_precision", "no", "--dynamo_backend", "no",
              "-m", "classicnets"]


@pytest.mark.slow
@pytest.mark.parametrize("stateful", [False, True], ids=["shuffled", "stateful"])
def test_two_processes_match_one_process_with_double_batch(tmp_path, stateful):
    # Stateful: process k must get the streams k*b ... k*b + b - 1 of the 2b streams, batch after batch.
    options = {"max_steps": 6, "save_steps": 3, "dropout": 0.0, "learning_rate": 5e-3, "stateful_training": stateful}
    one = tmp_path / "one"
    run_train(tiny_char_lstm_args(tmp_path, one, per_device_train_batch_size=8, **options))
    two = tmp_path / "two"
    proc = run_train(tiny_char_lstm_args(tmp_path, two, per_device_train_batch_size=4, **options), launcher=ACCELERATE,
                     env={"ACCELERATE_USE_CPU": "true"})

    a, b = load_file(str(one / "model.safetensors")), load_file(str(two / "model.safetensors"))
    for key in a:
        torch.testing.assert_close(a[key], b[key], atol=2e-5, rtol=1e-4)
    summary = json.loads((two / "metrics.json").read_text())
    assert summary["num_processes"] == 2
    # Saved once, by the main process only: one final evaluation line, one "Saved" message.
    evals = [json.loads(x) for x in (two / "metrics.jsonl").read_text().splitlines()]
    assert sum(1 for r in evals if r["kind"] == "eval" and r["step"] == 6) == 1
    assert proc.stdout.count("Saved the model") == 1
    full = json.loads((one / "metrics.json").read_text())["final"]["val_loss"]
    assert summary["final"]["val_loss"] == pytest.approx(full, abs=1e-4)  # eval sharded over processes
