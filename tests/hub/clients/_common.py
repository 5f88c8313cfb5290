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


# --- the other families (client_*_families.py) ------------------------------------------------------------------

SST_SENTENCES = [
    "a gripping , funny and moving film .",
    "dull , tedious and far too long .",
    "the best movie of the year , bar none .",
    "i hated every minute of it .",
    "a charming , warm story with great acting .",
    "the plot is a mess and the jokes fall flat .",
]
PROBE_SENTENCES = ["a funny and moving film .", "boring , tedious and badly acted plot ."]
SST_MAX_LEN = 24


def digest(tensor) -> str:
    """sha256 of a tensor's shape, dtype and raw bytes: equal digests = bit-identical tensors."""
    t = tensor.detach().cpu().contiguous()
    return hashlib.sha256(f"{tuple(t.shape)}|{t.dtype}|".encode() + t.numpy().tobytes()).hexdigest()


def floats(tensor) -> list[float]:
    return [float(x) for x in tensor.detach().flatten().tolist()]


def classifier_logits(model, tokenizer) -> list[float]:
    import torch

    inputs = tokenizer(PROBE_SENTENCES, padding=True, truncation=True, return_tensors="pt")
    with torch.no_grad():
        return floats(model(**inputs).logits)


def seq2seq_states(model) -> str:
    """Digest of the encoder-decoder's last hidden state on fixed source/target ids."""
    import torch

    source = torch.tensor([[2, 7, 9, 11, 3], [2, 5, 6, 3, 0]])
    target = torch.tensor([[2, 8, 10], [2, 4, 12]])
    with torch.no_grad():
        out = model(input_ids=source, attention_mask=(source != 0).long(), decoder_input_ids=target)
    return digest(out.last_hidden_state)


def gan_samples(model) -> dict[str, str]:
    images = model.generate(num_images=4, seed=0)
    out = {"seed0": digest(images), "shape": list(images.shape)}
    if getattr(model.config, "num_classes", None):
        out["labels"] = digest(model.generate(num_images=4, seed=0, labels=[0, 1, 2, 3]))
    return out


def lenet_logits(model) -> list[float]:
    """Logits on two fixed pseudo-random images (a seeded CPU generator: the same in every process)."""
    import torch

    images = torch.rand(2, 1, 28, 28, generator=torch.Generator().manual_seed(1234))
    with torch.no_grad():
        return floats(model(pixel_values=images).logits)
