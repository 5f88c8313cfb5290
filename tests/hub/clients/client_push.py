"""Build two tiny char-LSTM checkpoints and publish them every way classicnets users do.

* `push_to_hub` of model and tokenizer (transformers) -> params["repo_p2h"] (public)
* `push_checkpoint` of checkpoint A (with a rendered model card and an image) -> params["repo_ckpt"] (private),
  tag `v1.0` on that commit, then checkpoint B -> branch `experiment` of the same repo
* a `DatasetDict.push_to_hub` -> params["repo_ds"]
Reference outputs of both models go to the result file, computed here with the models that were saved.
"""

from pathlib import Path

import torch
from _common import CORPUS, outputs, params, write_result

torch.set_num_threads(1)

from datasets import Dataset, DatasetDict  # noqa: E402
from huggingface_hub import HfApi  # noqa: E402

from classicnets import CharLSTMConfig, CharLSTMForCausalLM, CharTokenizer  # noqa: E402
from classicnets.hub import push_checkpoint, render_model_card  # noqa: E402
from classicnets.training.recipes import get_recipe_class  # noqa: E402

p = params()
work = Path(p["workdir"])
tokenizer = CharTokenizer.from_corpus(CORPUS)


def make_model(seed: int) -> CharLSTMForCausalLM:
    torch.manual_seed(seed)
    config = CharLSTMConfig.from_preset(
        "tiny", vocab_size=len(tokenizer), pad_token_id=tokenizer.pad_token_id, bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id, unk_token_id=tokenizer.unk_token_id,
    )
    return CharLSTMForCausalLM(config).eval()


result = {}
models = {}
for name, seed in (("a", 0), ("b", 1)):
    folder = work / f"ckpt_{name}"
    model = make_model(seed)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    models[name] = model
    result[f"ref_{name}"] = outputs(model, tokenizer)

# Checkpoint A gets a model card and a sample image, like a real release.
from PIL import Image  # noqa: E402

Image.new("RGB", (8, 8), (200, 30, 30)).save(work / "ckpt_a" / "samples.png")
card = render_model_card(
    get_recipe_class("char-lstm").card, work / "ckpt_a", {"perplexity": 5.25, "loss": 1.658},
    repo_id=p["repo_ckpt"], training_command="classicnets train char-lstm --preset tiny --max_steps 10",
    hyperparameters={"learning_rate": 0.002, "batch_size": 8, "hub_token": p["token"]},
    sample_text=result["ref_a"]["generated"], sample_image="samples.png",
)
card.save(work / "ckpt_a" / "README.md")

api = HfApi()
# 1. transformers' own push_to_hub, model and tokenizer into one repo.
models["a"].push_to_hub(p["repo_p2h"], commit_message="model via push_to_hub")
tokenizer.push_to_hub(p["repo_p2h"], commit_message="tokenizer via push_to_hub")

# 2. classicnets.hub.push_checkpoint, private; then a tag, then a second checkpoint on a branch.
info_a = push_checkpoint(work / "ckpt_a", p["repo_ckpt"], private=True, commit_message="checkpoint A")
api.create_tag(p["repo_ckpt"], tag="v1.0", revision=info_a.oid)
info_b = push_checkpoint(work / "ckpt_b", p["repo_ckpt"], revision="experiment", commit_message="checkpoint B")
result.update(commit_a=info_a.oid, commit_b=info_b.oid, commit_url_a=info_a.commit_url)

# 3. A dataset with two splits.
rows = {"train": {"text": ["to be", "or not", "to be"], "label": [0, 1, 0]},
        "test": {"text": ["that is"], "label": [1]}}
DatasetDict({split: Dataset.from_dict(cols) for split, cols in rows.items()}).push_to_hub(p["repo_ds"])
result["dataset_rows"] = rows
write_result(result)
