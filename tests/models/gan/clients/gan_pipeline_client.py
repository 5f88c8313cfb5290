"""One side of the GAN pipeline round trip through the loopback Hub, in a fresh interpreter:

    python gan_pipeline_client.py PARAMS.json RESULT.json

`mode` "push" (classicnets installed, token): save two tiny GANs, push them (push_to_hub; push_checkpoint), and
record the images of the local pipeline and of `generate(output_type="pil")`. "load" (classicnets installed, no
token, fresh cache): `pipeline("unconditional-image-generation", model=<hub id>)`. "remote" (run through
tests/hub/clients/without_classicnets.py): `pipeline(model=<hub id>, trust_remote_code=True)`, no task given.
"""

import hashlib
import json
import sys
from pathlib import Path

import torch

torch.set_num_threads(1)

TASK = "unconditional-image-generation"
LABELS = [0, 1, 2, 3]


def digest(images) -> str:
    """sha256 of a list of PIL images (mode, size, pixels): equal digests = identical images."""
    h = hashlib.sha256()
    for image in images:
        h.update(f"{image.mode}|{image.size}|".encode() + image.tobytes())
    return h.hexdigest()


def described(pipe) -> dict:
    return {"pipeline_module": type(pipe).__module__, "pipeline_class": type(pipe).__name__,
            "model_module": type(pipe.model).__module__, "model_class": type(pipe.model).__name__}


def run_pipeline(pipe, conditional: bool) -> dict:
    images = pipe(num_images=4, seed=0, labels=LABELS) if conditional else pipe(num_images=4, seed=0)
    assert isinstance(images, list) and len(images) == 4
    return {**described(pipe), "images": digest(images), "modes": sorted({i.mode for i in images})}


def push(p: dict) -> dict:
    from transformers import pipeline

    from classicnets import GANConfig, GANModel
    from classicnets.hub import push_checkpoint

    work, repos, result = Path(p["workdir"]), p["repos"], {}
    for key, overrides, seed in (("gan", {}, 2), ("gan_cond", {"num_classes": 10}, 3)):
        torch.manual_seed(seed)
        gan = GANModel(GANConfig.from_preset("tiny", **overrides)).eval()
        folder = work / key
        gan.save_pretrained(folder)
        conditional = key == "gan_cond"
        labels = LABELS if conditional else None
        result[key] = {
            "generate": digest(gan.generate(4, seed=0, labels=labels, output_type="pil")),
            "local": run_pipeline(pipeline(TASK, model=str(folder)), conditional),
            "files": sorted(f.name for f in folder.iterdir()),
            "config": json.loads((folder / "config.json").read_text()),
        }
        if conditional:
            push_checkpoint(folder, repos[key], commit_message="conditional gan")
        else:
            gan.push_to_hub(repos[key], commit_message="gan via push_to_hub")
    return result


def load(p: dict, remote: bool) -> dict:
    from transformers import pipeline

    result = {}
    try:
        import classicnets  # noqa: F401

        result["classicnets_importable"] = True
    except ImportError:
        result["classicnets_importable"] = False
    for key, repo in p["repos"].items():
        try:
            pipe = pipeline(model=repo, trust_remote_code=True) if remote else pipeline(TASK, model=repo)
            result[key] = run_pipeline(pipe, key == "gan_cond")
        except Exception as err:  # reported to the test, which shows it
            result[key] = {"error": f"{type(err).__name__}: {err}"}
    result["classicnets_in_sys_modules"] = any(m.split(".")[0] == "classicnets" for m in sys.modules)
    return result


params = json.loads(Path(sys.argv[1]).read_text())
mode = params["mode"]
out = push(params) if mode == "push" else load(params, remote=mode == "remote")
Path(sys.argv[2]).write_text(json.dumps(out, indent=1, default=str))
