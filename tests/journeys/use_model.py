"""A user's second step, in a fresh interpreter: load a model (Hub id or folder) and use it.

    python use_model.py PARAMS.json RESULT.json     # PARAMS: {"family", "sources": {label: id_or_folder}, "remote"}

Run through tests/hub/clients/without_classicnets.py for the remote-code case (classicnets not importable).
Writes, for each source, the outputs a user would look at: generated text, class scores, image statistics, from
the Auto class and from the pipeline.
"""

import json
import sys
from pathlib import Path

import torch

torch.set_num_threads(1)
params = json.loads(Path(sys.argv[1]).read_text())
remote = params["remote"]
if not remote:
    import classicnets  # noqa: F401  (registers the families)
from transformers import (  # noqa: E402
    AutoModel,
    AutoModelForCausalLM,
    AutoModelForSequenceClassification,
    AutoTokenizer,
    pipeline,
)

SENTENCES = ["a gripping , beautifully acted film", "dull and lifeless"]
kwargs = {"trust_remote_code": True} if remote else {}


def char_lstm(source: str) -> dict:
    tokenizer = AutoTokenizer.from_pretrained(source, **kwargs)
    model = AutoModelForCausalLM.from_pretrained(source, **kwargs).eval()
    inputs = tokenizer(["First"], return_tensors="pt")
    with torch.no_grad():
        ids = model.generate(**inputs, max_new_tokens=12, do_sample=False)
        beams = model.generate(**inputs, max_new_tokens=6, num_beams=2, do_sample=False)
    generate = pipeline("text-generation", model=source, **kwargs)
    return {"greedy": tokenizer.decode(ids[0], skip_special_tokens=True),
            "beams": tokenizer.decode(beams[0], skip_special_tokens=True),
            "pipeline": generate("First", max_new_tokens=12, do_sample=False)[0]["generated_text"]}


def classifier(source: str) -> dict:
    tokenizer = AutoTokenizer.from_pretrained(source, **kwargs)
    model = AutoModelForSequenceClassification.from_pretrained(source, **kwargs).eval()
    with torch.no_grad():
        logits = model(**tokenizer(SENTENCES, return_tensors="pt", padding=True)).logits
    classify = pipeline("text-classification", model=source, **kwargs)
    return {"logits": logits.tolist(), "pipeline": classify(SENTENCES)}


def gan(source: str) -> dict:
    model = AutoModel.from_pretrained(source, **kwargs).eval()
    images = model.generate(num_images=4, seed=0)
    draw = pipeline("unconditional-image-generation", model=source, **kwargs)
    pil = draw(num_images=2, seed=0)
    return {"pixel_sums": images.flatten(1).sum(1).tolist(),
            "pipeline_pixel_sums": [float(sum(image.getdata())) / 255.0 for image in pil]}


use = {"char-lstm": char_lstm, "transformer-sst2": classifier, "gan-mnist": gan}[params["family"]]
result = {label: use(source) for label, source in params["sources"].items()}
result["classicnets_imported"] = any(m == "classicnets" or m.startswith("classicnets.") for m in sys.modules)
Path(sys.argv[2]).write_text(json.dumps(result, indent=1))
