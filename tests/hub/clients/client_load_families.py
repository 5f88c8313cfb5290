"""Load everything client_push_families published, from a fresh cache, with classicnets installed.

Each load is reported on its own (an error in one does not hide the others): the class it gave, whether every
weight is bit-identical to the local checkpoint's (and the downloaded file byte-identical), and the outputs.
Also: the text-classification pipeline straight from a Hub id, and the gan-mnist card with its sample grid.
"""

import hashlib
import re
from pathlib import Path

import torch
from _common import (
    PROBE_SENTENCES,
    classifier_logits,
    error_text,
    gan_samples,
    lenet_logits,
    params,
    same_weights,
    seq2seq_states,
    write_result,
)

torch.set_num_threads(1)

from huggingface_hub import HfApi, ModelCard, hf_hub_download  # noqa: E402
from transformers import (  # noqa: E402
    AutoModel,
    AutoModelForImageClassification,
    AutoModelForSequenceClassification,
    AutoTokenizer,
    pipeline,
)

import classicnets  # noqa: E402, F401  (registers the Auto classes)

p = params()
work = Path(p["workdir"])
repos = p["repos"]
result = {"loads": {}}


def weights(model, repo: str, local_key: str) -> dict:
    local_file = work / local_key / "model.safetensors"
    remote_file = hf_hub_download(repo, "model.safetensors")
    return {
        "model_class": f"{type(model).__module__}.{type(model).__name__}",
        "same_weights": same_weights(model, local_file),
        "same_file": hashlib.sha256(Path(remote_file).read_bytes()).digest()
        == hashlib.sha256(local_file.read_bytes()).digest(),
    }


def tf_classifier(repo):
    model = AutoModelForSequenceClassification.from_pretrained(repo).eval()
    tokenizer = AutoTokenizer.from_pretrained(repo)
    return {**weights(model, repo, "tf_cls"), "tokenizer_class": type(tokenizer).__name__,
            "tokenizer_is_fast": bool(tokenizer.is_fast), "logits": classifier_logits(model, tokenizer)}


def tf_seq2seq(repo):
    model = AutoModel.from_pretrained(repo).eval()
    return {**weights(model, repo, "tf_seq2seq"), "states": seq2seq_states(model)}


def gan(key):
    def load(repo):
        model = AutoModel.from_pretrained(repo).eval()
        return {**weights(model, repo, key), **gan_samples(model)}
    return load


def lenet(repo):
    model = AutoModelForImageClassification.from_pretrained(repo).eval()
    return {**weights(model, repo, "lenet"), "logits": lenet_logits(model)}


def text_pipeline(repo):
    classify = pipeline("text-classification", model=repo)
    return {"pipeline": classify(PROBE_SENTENCES), "model_class": type(classify.model).__name__}


cases = [
    ("tf_p2h", tf_classifier, repos["tf_p2h"]),
    ("tf_ckpt", tf_classifier, repos["tf_ckpt"]),
    ("tf_pipeline", text_pipeline, repos["tf_p2h"]),
    ("tf_seq2seq", tf_seq2seq, repos["tf_seq2seq"]),
    ("gan", gan("gan"), repos["gan"]),
    ("gan_cond", gan("gan_cond"), repos["gan_cond"]),
    ("lenet", lenet, repos["lenet"]),
]
for label, load, repo in cases:
    try:
        result["loads"][label] = load(repo)
    except Exception as err:  # report, let the test show it
        result["loads"][label] = {"error": error_text(err)}

# The gan-mnist release: card metadata, and the grid it shows stored beside README.md.
try:
    card = ModelCard.load(repos["gan"])
    info = HfApi().model_info(repos["gan"])
    links = re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", card.text)
    image = hf_hub_download(repos["gan"], "samples.png")
    result["gan_card"] = {
        "library_name": card.data.library_name, "pipeline_tag": card.data.pipeline_tag,
        "datasets": card.data.datasets, "tags": card.data.tags,
        "eval_results": [(r.metric_type, r.metric_value, r.dataset_type) for r in card.data.eval_results or []],
        "image_links": links, "siblings": sorted(s.rfilename for s in info.siblings),
        "hub_pipeline_tag": info.pipeline_tag, "hub_library_name": info.library_name,
        "image_bytes_equal": Path(image).read_bytes() == (work / "gan" / "samples.png").read_bytes(),
        "text": card.text,
    }
except Exception as err:
    result["gan_card"] = {"error": error_text(err)}
write_result(result)
