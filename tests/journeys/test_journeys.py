"""The journeys a user takes, end to end, each step a fresh process with a fresh Hugging Face cache, against the
project's loopback Hub: train a few steps with --push_to_hub; load by Hub id (Auto class and pipeline) and with
remote code where classicnets is not installed, and get what the local run folder gives; push the same run folder
to a second repository with `classicnets push`, and load that too.

For each family: char-LSTM, transformer-sst2 (one model, and an ensemble joined by `classicnets ensemble`),
gan-mnist. Tiny models and toy data, so the whole module takes about a minute a family.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from classicnets.testing import LoopbackHub

from ..training.helpers import tiny_char_lstm_args
from ..training.test_gan_mnist import write_image_dataset
from ..training.test_transformer_sst2 import sst2_args, write_sentiment_dataset

HERE = Path(__file__).resolve().parent
WITHOUT_CLASSICNETS = HERE.parent / "hub" / "clients" / "without_classicnets.py"


@pytest.fixture(scope="module")
def hub():
    server = LoopbackHub().start()
    yield server
    server.stop()


class User:
    """One person at one machine: every command in a fresh process, with a Hugging Face cache never used before."""

    def __init__(self, hub: LoopbackHub, home: Path):
        self.hub, self.home, self.steps = hub, home, 0

    def env(self) -> dict:
        self.steps += 1
        return {**self.hub.client_env(self.home / f"hf-{self.steps}"), "HF_DATASETS_DISABLE_PROGRESS_BARS": "1",
                "OMP_NUM_THREADS": "1"}

    def run(self, *command: str) -> subprocess.CompletedProcess:
        proc = subprocess.run(list(command), capture_output=True, text=True, env=self.env(), cwd=self.home,
                              timeout=600)
        assert proc.returncode == 0, f"{' '.join(command)}\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
        return proc

    def classicnets(self, *argv) -> subprocess.CompletedProcess:
        return self.run(sys.executable, "-m", "classicnets", *map(str, argv))

    def use(self, family: str, sources: dict, remote: bool = False) -> dict:
        params, result = self.home / f"use-{self.steps}.json", self.home / f"used-{self.steps}.json"
        params.write_text(json.dumps({"family": family, "sources": sources, "remote": remote}))
        script = [str(WITHOUT_CLASSICNETS)] if remote else []
        self.run(sys.executable, *script, str(HERE / "use_model.py"), str(params), str(result))
        return json.loads(result.read_text())


def assert_same(results: dict, reference: str = "local") -> None:
    for label, outputs in results.items():
        if label != "classicnets_imported":
            assert _close(outputs, results[reference]), (label, outputs, results[reference])


def _close(a, b, tol=1e-5) -> bool:
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k], tol) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_close(x, y, tol) for x, y in zip(a, b))
    if isinstance(a, float):
        return abs(a - b) <= tol * max(1.0, abs(b))
    return a == b


def journey(user: User, family: str, run: Path, repo: str) -> None:
    """Steps 2 and 3 of every journey: load by Hub id (with and without classicnets), push again, load again."""
    used = user.use(family, {"local": str(run), "hub": repo})
    assert_same(used)
    without = user.use(family, {"hub": repo}, remote=True)
    assert not without.pop("classicnets_imported")
    assert _close(without["hub"], used["local"]), (without["hub"], used["local"])
    user.classicnets("push", run, f"{repo}-again")
    again = user.use(family, {"local": str(run), "hub": f"{repo}-again"})
    assert_same(again)


@pytest.mark.slow
def test_char_lstm_journey(hub, tmp_path):
    user = User(hub, tmp_path)
    run = tmp_path / "outputs" / "char-lstm"
    user.classicnets("train", *tiny_char_lstm_args(tmp_path, run, max_steps=6, save_steps=3, sample_chars=0),
                     "--push_to_hub", "--hub_model_id", "my-org/char-lstm")
    journey(user, "char-lstm", run, "my-org/char-lstm")


@pytest.mark.slow
def test_transformer_sst2_journey_single_model_and_ensemble(hub, tmp_path):
    user = User(hub, tmp_path)
    data = write_sentiment_dataset(tmp_path / "data")
    first, second = tmp_path / "outputs" / "sst2-m0", tmp_path / "outputs" / "sst2-m1"
    user.classicnets("train", *sst2_args(data, first, max_steps=8, eval_steps=8, save_steps=4, seed=0),
                     "--push_to_hub", "--hub_model_id", "my-org/transformer-sst2")
    journey(user, "transformer-sst2", first, "my-org/transformer-sst2")

    user.classicnets("train", *sst2_args(data, second, max_steps=8, eval_steps=8, seed=1,
                                         tokenizer_name=first / "tokenizer"))
    ensemble = tmp_path / "outputs" / "sst2-ensemble"
    user.classicnets("ensemble", first, second, "--output_dir", ensemble)
    user.classicnets("push", ensemble, "my-org/transformer-sst2-ensemble")
    journey(user, "transformer-sst2", ensemble, "my-org/transformer-sst2-ensemble")


@pytest.mark.slow
def test_gan_mnist_journey(hub, tmp_path):
    user = User(hub, tmp_path)
    data = write_image_dataset(tmp_path / "data")
    run = tmp_path / "outputs" / "gan-mnist"
    user.classicnets("train", "gan-mnist", "--preset", "tiny", "--dataset_name", data, "--classifier", "none",
                     "--sample_every", "0", "--eval_num_images", "40", "--final_eval_num_images", "60",
                     "--max_steps", "4", "--per_device_train_batch_size", "16", "--eval_steps", "4",
                     "--save_steps", "2", "--disable_tqdm", "--output_dir", run,
                     "--push_to_hub", "--hub_model_id", "my-org/gan-mnist")
    journey(user, "gan-mnist", run, "my-org/gan-mnist")
