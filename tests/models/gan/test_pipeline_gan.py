"""The GAN's image-generation pipeline: registered with transformers, declared by every checkpoint for remote code,
and used by local path, by Hub id (loopback Hub) and where classicnets is not installed."""

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from transformers import pipeline

from classicnets import GANConfig, GANImageGenerationPipeline, GANModel
from classicnets.models.gan.configuration_gan import declared_pipelines
from classicnets.testing import LoopbackHub

TASK = "unconditional-image-generation"
TESTS = Path(__file__).resolve().parents[2]
CLIENT = Path(__file__).resolve().parent / "clients" / "gan_pipeline_client.py"
WITHOUT_CLASSICNETS = TESTS / "hub" / "clients" / "without_classicnets.py"


def make(seed=0, **overrides) -> GANModel:
    torch.manual_seed(seed)
    return GANModel(GANConfig.from_preset("tiny", **overrides)).eval()


def same_images(a: list, b: list) -> bool:
    return len(a) == len(b) and all(x.mode == y.mode and x.tobytes() == y.tobytes() for x, y in zip(a, b))


def test_local_path_pipeline_returns_the_seeded_pil_images(tmp_path):
    gan = make()
    gan.save_pretrained(tmp_path)
    pipe = pipeline(TASK, model=str(tmp_path))
    assert isinstance(pipe, GANImageGenerationPipeline) and isinstance(pipe.model, GANModel)
    images = pipe(num_images=5, seed=2)
    assert len(images) == 5 and all(isinstance(i, Image.Image) and i.mode == "L" for i in images)
    assert same_images(images, gan.generate(5, seed=2, output_type="pil"))
    assert same_images(pipe(5, seed=2, batch_size=2), images)  # the generator's batch, not the inputs'
    assert not same_images(pipe(num_images=5, seed=3), images)
    assert np.array_equal(pipe(3, seed=1, output_type="np"), gan.generate(3, seed=1, output_type="np"))
    assert torch.equal(pipe(3, seed=1, output_type="pt"), gan.generate(3, seed=1))
    with pytest.raises(ValueError, match="unconditional"):
        pipe(2, labels=[0, 1])
    with pytest.raises(ValueError, match="num_images"):
        pipe(0)
    with pytest.raises(TypeError, match="guidance_scale"):
        pipe(2, guidance_scale=7.5)


def test_conditional_pipeline_takes_labels():
    gan = make(num_classes=10)
    pipe = pipeline(TASK, model=gan)  # an in-memory model works too
    digits = pipe(num_images=4, seed=0, labels=[0, 1, 2, 3])
    assert same_images(digits, gan.generate(4, seed=0, labels=[0, 1, 2, 3], output_type="pil"))
    assert same_images(pipe(3, seed=0, labels=7), gan.generate(3, seed=0, labels=7, output_type="pil"))
    with pytest.raises(ValueError, match=r"\[0, 10\)"):
        pipe(2, labels=12)


def test_every_checkpoint_declares_the_pipeline_and_ships_its_code(tmp_path):
    make().save_pretrained(tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["custom_pipelines"] == declared_pipelines() == {
        TASK: {"impl": "pipeline_gan.GANImageGenerationPipeline", "pt": ["AutoModel"]}}
    assert {"modeling_gan.py", "configuration_gan.py", "pipeline_gan.py", "image_utils.py"} <= {
        p.name for p in tmp_path.iterdir()}
    # Where classicnets registered the task, the declaration stays out of pipeline()'s way (no trust_remote_code).
    assert GANConfig.from_pretrained(tmp_path).custom_pipelines == {}
    for name in ("pipeline_gan.py", "modeling_gan.py", "configuration_gan.py", "image_utils.py"):
        code = (tmp_path / name).read_text()  # remote code imports only relative to its own folder
        assert not re.search(r"^\s*(from|import)\s+classicnets", code, flags=re.MULTILINE), name


# --- through the loopback Hub, each client in a fresh interpreter --------------------------------------------


def run_client(params: dict, workdir: Path, env: dict, hide_classicnets: bool = False) -> subprocess.Popen:
    workdir.mkdir(parents=True, exist_ok=True)
    params_file, result_file = workdir / f"{params['mode']}.params.json", workdir / f"{params['mode']}.result.json"
    params_file.write_text(json.dumps(params))
    cmd = [sys.executable, *([str(WITHOUT_CLASSICNETS)] if hide_classicnets else []), str(CLIENT),
           str(params_file), str(result_file)]
    proc = subprocess.Popen(cmd, env=env, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    proc.result_file = result_file
    return proc


def result_of(proc: subprocess.Popen, timeout: float = 300) -> dict:
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        stdout, stderr = proc.communicate()
    assert proc.returncode == 0 and proc.result_file.exists(), f"client failed ({proc.returncode})\n{stderr[-6000:]}"
    return json.loads(proc.result_file.read_text())


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory):
    work = tmp_path_factory.mktemp("gan-pipeline-hub")
    with LoopbackHub() as hub:
        repos = {"gan": f"{hub.user}/gan-pipeline", "gan_cond": f"{hub.user}/gan-pipeline-conditional"}
        params = {"workdir": str(work), "repos": repos}
        pushed = result_of(run_client({**params, "mode": "push"}, work, hub.client_env(work / "home-push")))
        loading = run_client({**params, "mode": "load"}, work, hub.client_env(work / "home-load", token=None))
        remote = run_client({**params, "mode": "remote"}, work, hub.client_env(work / "home-remote", token=None),
                            hide_classicnets=True)
        yield {"push": pushed, "load": result_of(loading), "remote": result_of(remote), "hub": hub, "repos": repos}


@pytest.mark.slow
def test_pipeline_by_hub_id_gives_the_pushed_models_images(round_trip):
    pushed, loaded = round_trip["push"], round_trip["load"]
    for key in ("gan", "gan_cond"):
        assert "error" not in loaded[key], loaded[key]["error"]
        assert pushed[key]["local"]["images"] == pushed[key]["generate"], key  # local pipeline == generate("pil")
        assert loaded[key]["images"] == pushed[key]["generate"], key
        assert loaded[key]["modes"] == ["L"]
        assert loaded[key]["pipeline_module"].startswith("classicnets."), loaded[key]
        assert loaded[key]["model_class"] == "GANModel"
        files = round_trip["hub"].list_files(round_trip["repos"][key])
        assert {"pipeline_gan.py", "modeling_gan.py", "config.json"} <= set(files), key
        assert json.loads(files["config.json"])["custom_pipelines"] == declared_pipelines()


@pytest.mark.slow
def test_remote_code_pipeline_without_classicnets(round_trip):
    pushed, remote = round_trip["push"], round_trip["remote"]
    assert remote["classicnets_importable"] is False
    for key in ("gan", "gan_cond"):
        assert "error" not in remote[key], remote[key]["error"]
        assert remote[key]["images"] == pushed[key]["generate"], key
        assert remote[key]["pipeline_module"].startswith("transformers_modules."), remote[key]
        assert remote[key]["model_module"].startswith("transformers_modules."), remote[key]
        assert remote[key]["pipeline_class"] == "GANImageGenerationPipeline"
    assert remote["classicnets_in_sys_modules"] is False
