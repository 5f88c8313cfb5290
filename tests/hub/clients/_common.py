"""Shared by the client scripts (which run in their own interpreter, some without classicnets importable)."""

import hashlib
import json
import sys
from pathlib import Path

CORPUS = "To be, or not to be, that is the question:\nWhether 'tis nobler in the mind to suffer\nhello world 🙂\n"
PROMPT = "To be"


def params() -> dict:
    return json.loads(Path(sys.argv[1]).read_text())


def write_result(result: dict) -> None:
    Path(sys.argv[2]).write_text(json.dumps(result, indent=1, default=str))


def sha256_file(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def same_weights(model, safetensors_file) -> bool:
    """Every tensor of the model's state dict bit-identical to the checkpoint file's, and no key missing."""
    import torch
    from safetensors.torch import load_file

    expected = load_file(str(safetensors_file))
    state = model.state_dict()
    if set(expected) - set(state):
        return False
    return all(torch.equal(state[k].cpu(), v) for k, v in expected.items())


def outputs(model, tokenizer) -> dict:
    """Logits on the fixed prompt and a greedy continuation, as plain lists (exact float values)."""
    import torch

    inputs = tokenizer(PROMPT, return_tensors="pt")
    with torch.no_grad():
        logits = model(**inputs).logits
        generated = model.generate(**inputs, max_new_tokens=12, do_sample=False)
    return {
        "input_ids": inputs["input_ids"][0].tolist(),
        "logits": [float(x) for x in logits.flatten().tolist()],
        "generated": tokenizer.decode(generated[0], skip_special_tokens=True),
    }


def error_text(err: BaseException) -> str:
    """The message and the whole cause chain, as a user would see them."""
    parts, seen = [], set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        parts.append(f"{type(err).__name__}: {err}")
        err = err.__cause__ or err.__context__
    return "\n".join(parts)
