"""classicnets NOT importable (run through without_classicnets.py), no token: every family's checkpoint loads from
the modelling code stored in its repo (`trust_remote_code=True`) and gives the outputs of the pushed model."""

import sys

import torch
from _common import (
    PROBE_SENTENCES,
    classifier_logits,
    error_text,
    gan_samples,
    lenet_logits,
    params,
    seq2seq_states,
    write_result,
)

torch.set_num_threads(1)

from transformers import (  # noqa: E402
    AutoModel,
    AutoModelForImageClassification,
    AutoModelForSequenceClassification,
    AutoTokenizer,
    pipeline,
)

p = params()
repos = p["repos"]
result = {"loads": {}}
try:
    import classicnets  # noqa: F401

    result["classicnets_importable"] = True
except ImportError:
    result["classicnets_importable"] = False


def described(model) -> dict:
    return {"model_module": type(model).__module__, "model_class": type(model).__name__}


def tf_classifier(repo):
    model = AutoModelForSequenceClassification.from_pretrained(repo, trust_remote_code=True).eval()
    tokenizer = AutoTokenizer.from_pretrained(repo, trust_remote_code=True)
    return {**described(model), "logits": classifier_logits(model, tokenizer)}


def text_pipeline(repo):
    classify = pipeline("text-classification", model=repo, trust_remote_code=True)
    return {**described(classify.model), "pipeline": classify(PROBE_SENTENCES)}


def tf_seq2seq(repo):
    model = AutoModel.from_pretrained(repo, trust_remote_code=True).eval()
    return {**described(model), "states": seq2seq_states(model)}


def gan(repo):
    model = AutoModel.from_pretrained(repo, trust_remote_code=True).eval()
    return {**described(model), **gan_samples(model)}


def lenet(repo):
    model = AutoModelForImageClassification.from_pretrained(repo, trust_remote_code=True).eval()
    return {**described(model), "logits": lenet_logits(model)}


cases = [
    ("tf_p2h", tf_classifier, repos["tf_p2h"]),
    ("tf_ckpt", tf_classifier, repos["tf_ckpt"]),
    ("tf_pipeline", text_pipeline, repos["tf_p2h"]),
    ("tf_seq2seq", tf_seq2seq, repos["tf_seq2seq"]),
    ("gan", gan, repos["gan"]),
    ("gan_cond", gan, repos["gan_cond"]),
    ("lenet", lenet, repos["lenet"]),
]
for label, load, repo in cases:
    try:
        result["loads"][label] = load(repo)
    except Exception as err:
        result["loads"][label] = {"error": error_text(err)}
result["classicnets_in_sys_modules"] = any(m == "classicnets" or m.startswith("classicnets.") for m in sys.modules)
write_result(result)
