"""Load everything client_push published, from a fresh cache, with classicnets installed and a valid token."""

import hashlib
from pathlib import Path

import torch
from _common import error_text, outputs, params, same_weights, write_result

torch.set_num_threads(1)

from datasets import load_dataset  # noqa: E402
from huggingface_hub import HfApi, ModelCard, hf_hub_download  # noqa: E402
from transformers import AutoModelForCausalLM, AutoTokenizer  # noqa: E402

import classicnets  # noqa: E402, F401  (registers the Auto classes)

p = params()
work = Path(p["workdir"])
result = {"loads": {}}
cases = [
    ("p2h@main", p["repo_p2h"], None, "a"),
    ("ckpt@main", p["repo_ckpt"], None, "a"),
    ("ckpt@v1.0", p["repo_ckpt"], "v1.0", "a"),
    ("ckpt@sha_a", p["repo_ckpt"], p["commit_a"], "a"),
    ("ckpt@experiment", p["repo_ckpt"], "experiment", "b"),
    ("ckpt@sha_b", p["repo_ckpt"], p["commit_b"], "b"),
]
for label, repo, revision, which in cases:
    try:
        model = AutoModelForCausalLM.from_pretrained(repo, revision=revision).eval()
        tokenizer = AutoTokenizer.from_pretrained(repo, revision=revision)
        local_file = work / f"ckpt_{which}" / "model.safetensors"
        remote_file = hf_hub_download(repo, "model.safetensors", revision=revision)
        result["loads"][label] = {
            "expected": which,
            "model_class": f"{type(model).__module__}.{type(model).__name__}",
            "tokenizer_class": type(tokenizer).__name__,
            "same_weights": same_weights(model, local_file),
            "same_file": hashlib.sha256(Path(remote_file).read_bytes()).digest()
            == hashlib.sha256(local_file.read_bytes()).digest(),
            "outputs": outputs(model, tokenizer),
        }
    except Exception as err:  # report, let the test show it
        result["loads"][label] = {"error": error_text(err)}

api = HfApi()
info = api.model_info(p["repo_ckpt"])
refs = api.list_repo_refs(p["repo_ckpt"])
result["private"] = info.private
result["siblings"] = sorted(s.rfilename for s in info.siblings)
result["branches"] = sorted(b.name for b in refs.branches)
result["tags"] = {t.name: t.target_commit for t in refs.tags}

card = ModelCard.load(p["repo_ckpt"])
result["card"] = {
    "library_name": card.data.library_name, "license": card.data.license, "pipeline_tag": card.data.pipeline_tag,
    "datasets": card.data.datasets, "tags": card.data.tags,
    "eval_results": [(r.metric_type, r.metric_value, r.dataset_type) for r in card.data.eval_results or []],
    "text_has_image": "samples.png" in card.text,
}
image = hf_hub_download(p["repo_ckpt"], "samples.png")
result["image_bytes_equal"] = Path(image).read_bytes() == (work / "ckpt_a" / "samples.png").read_bytes()

dataset = load_dataset(p["repo_ds"])
result["dataset"] = {split: dataset[split].to_dict() for split in dataset}
write_result(result)
