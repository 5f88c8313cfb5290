"""classicnets NOT importable (run through without_classicnets.py), no token: remote code and visibility."""

import sys

import torch
from _common import error_text, outputs, params, write_result

torch.set_num_threads(1)

from huggingface_hub import HfApi, hf_hub_download  # noqa: E402
from transformers import AutoModelForCausalLM, AutoTokenizer  # noqa: E402

p = params()
result = {}
try:
    import classicnets  # noqa: F401

    result["classicnets_importable"] = True
except ImportError:
    result["classicnets_importable"] = False

model = AutoModelForCausalLM.from_pretrained(p["repo_p2h"], trust_remote_code=True).eval()
tokenizer = AutoTokenizer.from_pretrained(p["repo_p2h"], trust_remote_code=True)
result["model_module"] = type(model).__module__
result["tokenizer_module"] = type(tokenizer).__module__
result["outputs"] = outputs(model, tokenizer)
result["classicnets_in_sys_modules"] = any(m == "classicnets" or m.startswith("classicnets.") for m in sys.modules)

# The private repo is invisible without a token, whichever way one asks.
attempts = {
    "model_info": lambda: HfApi().model_info(p["repo_ckpt"]),
    "download": lambda: hf_hub_download(p["repo_ckpt"], "config.json"),
    "from_pretrained": lambda: AutoModelForCausalLM.from_pretrained(p["repo_ckpt"], trust_remote_code=True),
}
result["private"] = {}
for name, attempt in attempts.items():
    try:
        attempt()
        result["private"][name] = {"visible": True}
    except Exception as err:
        result["private"][name] = {"visible": False, "type": type(err).__name__, "text": error_text(err),
                                   "status": getattr(getattr(err, "response", None), "status_code", None)}

# A wrong token is a 401 that says so (and never repeats the token).
try:
    HfApi(token=p["wrong_token"]).model_info(p["repo_p2h"])
    result["wrong_token"] = {"raised": False}
except Exception as err:
    result["wrong_token"] = {"raised": True, "text": error_text(err),
                             "status": getattr(getattr(err, "response", None), "status_code", None)}
write_result(result)
