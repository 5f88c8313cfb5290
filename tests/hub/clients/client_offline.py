"""HF_HUB_OFFLINE=1, same HF_HOME as client_load: everything must come from the cache."""

import torch
from _common import error_text, outputs, params, write_result

torch.set_num_threads(1)

from huggingface_hub import constants  # noqa: E402
from transformers import AutoModelForCausalLM, AutoTokenizer  # noqa: E402

import classicnets  # noqa: E402, F401

p = params()
result = {"offline_flag": constants.HF_HUB_OFFLINE, "loads": {}}
for label, repo, revision in (("ckpt@main", p["repo_ckpt"], None), ("ckpt@v1.0", p["repo_ckpt"], "v1.0"),
                              ("p2h@main", p["repo_p2h"], None)):
    try:
        model = AutoModelForCausalLM.from_pretrained(repo, revision=revision).eval()
        tokenizer = AutoTokenizer.from_pretrained(repo, revision=revision)
        result["loads"][label] = {"outputs": outputs(model, tokenizer)}
    except Exception as err:
        result["loads"][label] = {"error": error_text(err)}
try:
    AutoModelForCausalLM.from_pretrained(p["repo_never_downloaded"])
    result["uncached"] = "loaded?!"
except Exception as err:
    result["uncached"] = error_text(err)
write_result(result)
