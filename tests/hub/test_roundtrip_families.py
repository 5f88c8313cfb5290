"""Round trips of the Transformer, GAN and LeNet families through the loopback Hub (the char-LSTM's are in
test_roundtrip.py), with the real clients, each in a fresh process (see conftest.py).

One module-scoped publication (client_push_families) feeds three processes that run side by side: a reader with
classicnets and a fresh cache (client_load_families), a reader where classicnets cannot be imported and no token
is set (client_remote_code_families), and `classicnets push` of the transformer checkpoint from the command line.
"""

import http.client
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ClientRun, run_client

pytestmark = pytest.mark.slow

ORG = "classicnets-org"


class CommandRun:
    """A command started now, waited for on `result()` (like ClientRun, for a console script)."""

    def __init__(self, cmd: list[str], env: dict, cwd: Path, timeout: float = 180):
        self.cmd, self.timeout = cmd, timeout
        self.proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        self._result = None

    def result(self) -> subprocess.CompletedProcess:
        if self._result is None:
            try:
                stdout, stderr = self.proc.communicate(timeout=self.timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                stdout, stderr = self.proc.communicate()
                raise AssertionError(f"{self.cmd} timed out\n{stderr[-6000:]}") from None
            self._result = subprocess.CompletedProcess(self.cmd, self.proc.returncode, stdout, stderr)
        return self._result

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


def classicnets_command() -> list[str]:
    """The installed `classicnets` console script (the one users run), from this interpreter's environment."""
    script = Path(sys.executable).parent / ("classicnets.exe" if os.name == "nt" else "classicnets")
    if script.exists():
        return [str(script)]
    found = shutil.which("classicnets")
    assert found, "the `classicnets` console script is not installed (pip install -e .)"
    return [found]


@pytest.fixture(scope="module")
def published(loopback_hub, tmp_path_factory):
    work = tmp_path_factory.mktemp("hub-families")
    user = loopback_hub.user
    repos = {
        "tf_p2h": f"{user}/transformer-push-to-hub",
        "tf_ckpt": f"{ORG}/transformer-sst2-checkpoint",
        "tf_seq2seq": f"{user}/transformer-seq2seq",
        "gan": f"{ORG}/gan-mnist",
        "gan_cond": f"{user}/gan-conditional",
        "lenet": f"{user}/lenet",
        "tf_cli": f"{ORG}/transformer-cli",
    }
    params = {"workdir": str(work), "repos": repos, "token": loopback_hub.token}
    result = run_client("client_push_families.py", loopback_hub.client_env(work / "hf-home-push"), params, work,
                        timeout=300)
    state = {"work": work, "repos": repos, "push": result}
    # Independent readers (own caches) and the CLI push (another repo): side by side.
    state["load"] = ClientRun("client_load_families.py", loopback_hub.client_env(work / "hf-home-load"), params,
                              work, timeout=300)
    state["remote"] = ClientRun("client_remote_code_families.py",
                                loopback_hub.client_env(work / "hf-home-remote", token=None), params, work,
                                hide_classicnets=True, timeout=300)
    state["cli"] = CommandRun([*classicnets_command(), "push", str(work / "tf_cls"), repos["tf_cli"],
                               "--commit_message", "from the command line"],
                              loopback_hub.client_env(work / "hf-home-cli"), work, timeout=300)
    yield state
    for name in ("load", "remote", "cli"):
        state[name].kill()


def local_files(folder: Path) -> dict[str, bytes]:
    return {f.name: f.read_bytes() for f in folder.iterdir() if f.is_file()}


def no_error(label: str, load: dict) -> None:
    assert "error" not in load, f"{label}: {load['error'][:2000]}"


def check_load(label: str, load: dict, ref: dict, *, module_prefix: str) -> None:
    no_error(label, load)
    assert load["model_class"].startswith(module_prefix), f"{label}: {load['model_class']}"
    assert load["same_weights"] and load["same_file"], f"{label}: weights not bit-identical"
    for key, value in ref.items():
        assert load[key] == value, f"{label}: {key} differs from the pushed model's"


def test_push_stored_every_family_on_the_hub(loopback_hub, published):
    work, repos = published["work"], published["repos"]
    # push_checkpoint uploads the folder as it is: every file, byte for byte, with the modelling code.
    for key, code in (("tf_ckpt", "modeling_transformer.py"), ("tf_seq2seq", "modeling_transformer.py"),
                      ("gan", "modeling_gan.py")):
        folder = work / ("tf_cls" if key == "tf_ckpt" else key)
        files = loopback_hub.list_files(repos[key])
        for name, data in local_files(folder).items():
            assert files.get(name) == data, f"{key}: {name} differs or is missing on the Hub"
        assert code in files, f"{key}: the modelling code was not saved with the checkpoint"
    # push_to_hub (model, then tokenizer) fills one repo; the weights are those save_pretrained writes.
    for key, local in (("tf_p2h", "tf_cls"), ("gan_cond", "gan_cond"), ("lenet", "lenet")):
        files = loopback_hub.list_files(repos[key])
        assert files["model.safetensors"] == (work / local / "model.safetensors").read_bytes(), key
        assert "config.json" in files, key
    assert {"tokenizer.json", "tokenizer_config.json"} <= set(loopback_hub.list_files(repos["tf_p2h"]))
    # Each checkpoint's auto_map names the class its Auto loader needs, so trust_remote_code=True can build it.
    for key, auto in (("tf_p2h", "AutoModelForSequenceClassification"), ("tf_seq2seq", "AutoModel"),
                      ("gan", "AutoModel"), ("gan_cond", "AutoModel"), ("lenet", "AutoModelForImageClassification")):
        config = json.loads(loopback_hub.list_files(repos[key])["config.json"])
        assert auto in config.get("auto_map", {}), f"{key}: no {auto} in auto_map {config.get('auto_map')}"
    # The transformer-sst2 card went up with the checkpoint, its metadata readable by the Hub.
    info = loopback_hub_info(loopback_hub, repos["tf_ckpt"])
    assert info["pipeline_tag"] == "text-classification" and info["library_name"] == "transformers"
    assert "stanfordnlp/sst2" in info["cardData"]["datasets"]
    # The GAN card had the token among its hyperparameters: it is not in the README on the Hub.
    assert loopback_hub.token.encode() not in loopback_hub.list_files(repos["gan"])["README.md"]


def loopback_hub_info(hub, repo_id: str) -> dict:
    """The Hub's model info (what `HfApi.model_info` reads), over a direct connection (no proxy settings)."""
    conn = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=10)
    try:
        conn.request("GET", f"/api/models/{repo_id}", headers={"Authorization": f"Bearer {hub.token}"})
        response = conn.getresponse()
        assert response.status == 200, (response.status, repo_id)
        return json.loads(response.read())
    finally:
        conn.close()


def test_transformer_loads_back_with_the_same_logits(published):
    ref = published["push"]
    loads = published["load"].result()["loads"]
    for label in ("tf_p2h", "tf_ckpt"):
        check_load(label, loads[label], {"logits": ref["tf_cls"]["logits"]}, module_prefix="classicnets.")
        assert loads[label]["tokenizer_is_fast"], label
    pipe = loads["tf_pipeline"]
    no_error("tf_pipeline", pipe)
    assert pipe["model_class"] == "TransformerForSequenceClassification"
    assert pipe["pipeline"] == ref["tf_cls"]["pipeline"]
    assert {r["label"] for r in pipe["pipeline"]} <= {"negative", "positive"}


def test_transformer_encoder_decoder_via_automodel(published):
    ref = published["push"]
    load = published["load"].result()["loads"]["tf_seq2seq"]
    check_load("tf_seq2seq", load, ref["tf_seq2seq"], module_prefix="classicnets.")
    assert load["model_class"].endswith(".TransformerModel")


def test_gans_load_back_and_sample_the_same_images(published):
    ref = published["push"]
    loads = published["load"].result()["loads"]
    for label in ("gan", "gan_cond"):
        check_load(label, loads[label], ref[label], module_prefix="classicnets.")
        assert loads[label]["model_class"].endswith(".GANModel")
    assert ref["gan"]["shape"] == [4, 1, 28, 28] and "labels" in ref["gan_cond"]
    assert ref["gan"]["seed0"] != ref["gan_cond"]["seed0"]


def test_gan_card_and_sample_grid(loopback_hub, published):
    work, repos = published["work"], published["repos"]
    card = published["load"].result()["gan_card"]
    no_error("gan_card", card)
    assert card["library_name"] == "transformers" and card["hub_library_name"] == "transformers"
    assert card["pipeline_tag"] == card["hub_pipeline_tag"] == "unconditional-image-generation"
    assert card["datasets"] == ["ylecun/mnist"]
    assert ["lenet_fid", 123.4, "ylecun/mnist"] in card["eval_results"]  # not Inception FID: named so
    assert "Inception Score (LeNet)" in card["text"] and "DCGAN" in card["text"]
    # The grid sits beside README.md, and every image the card shows is a file of the repo.
    assert {"README.md", "samples.png"} <= set(card["siblings"])
    assert card["image_links"] == ["samples.png"]
    assert set(card["image_links"]) <= set(card["siblings"])
    assert card["image_bytes_equal"]
    assert loopback_hub.list_files(repos["gan"])["samples.png"][:8] == b"\x89PNG\r\n\x1a\n"
    assert (work / "gan" / "samples.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert loopback_hub.token not in card["text"]


def test_lenet_loads_back_with_the_same_logits(published):
    ref = published["push"]
    load = published["load"].result()["loads"]["lenet"]
    check_load("lenet", load, ref["lenet"], module_prefix="classicnets.")
    assert load["model_class"].endswith(".LeNetForImageClassification")


def test_remote_code_without_classicnets(published):
    ref = published["push"]
    result = published["remote"].result()
    assert result["classicnets_importable"] is False
    loads = result["loads"]
    expected = {"tf_p2h": {"logits": ref["tf_cls"]["logits"]}, "tf_ckpt": {"logits": ref["tf_cls"]["logits"]},
                "tf_pipeline": {"pipeline": ref["tf_cls"]["pipeline"]}, "tf_seq2seq": ref["tf_seq2seq"],
                "gan": ref["gan"], "gan_cond": ref["gan_cond"], "lenet": ref["lenet"]}
    for label, outputs in expected.items():
        load = loads[label]
        no_error(label, load)
        assert load["model_module"].startswith("transformers_modules."), f"{label}: {load['model_module']}"
        for key, value in outputs.items():
            assert load[key] == value, f"{label}: {key} differs from the pushed model's"
    assert result["classicnets_in_sys_modules"] is False


def test_cli_push_of_a_transformer_checkpoint(loopback_hub, published):
    work, repos = published["work"], published["repos"]
    run = published["cli"].result()
    assert run.returncode == 0, f"classicnets push failed ({run.returncode})\n{run.stdout}\n{run.stderr}"
    assert f"Pushed {work / 'tf_cls'} to {repos['tf_cli']}" in run.stdout and "commit: " in run.stdout
    assert loopback_hub.token not in run.stdout + run.stderr
    files = loopback_hub.list_files(repos["tf_cli"])
    for name, data in local_files(work / "tf_cls").items():
        assert files.get(name) == data, f"{name} differs or is missing on the Hub"
    assert loopback_hub.commit_count(repos["tf_cli"]) == 2  # the repo's initial commit + the whole checkpoint


def test_no_request_the_loopback_hub_did_not_know(loopback_hub, published):
    for name in ("load", "remote", "cli"):
        published[name].result()
    assert loopback_hub.unhandled == [], f"client requests the loopback Hub does not know: {loopback_hub.unhandled}"
