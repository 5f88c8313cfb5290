"""Build tiny checkpoints of the other families and publish them every way classicnets users do.

* Transformer classifier + its fast tokenizer: `push_to_hub` of both -> repos["tf_p2h"]; `push_checkpoint` of
  the saved folder (with a transformer-sst2 card) -> repos["tf_ckpt"]
* Transformer encoder-decoder (`TransformerModel`): `push_checkpoint` -> repos["tf_seq2seq"]
* GAN (unconditional), with a gan-mnist card and a sample grid PNG in the folder: `push_checkpoint` -> repos["gan"]
* GAN (class-conditional): `push_to_hub` -> repos["gan_cond"]
* LeNet classifier: `push_to_hub` -> repos["lenet"]

Every saved folder lands in workdir/<key> (the readers compare the Hub's weights with its model.safetensors), and
the reference outputs, computed here with the models that were saved, go to the result file.
"""

from pathlib import Path

import torch
from _common import (
    PROBE_SENTENCES,
    SST_MAX_LEN,
    SST_SENTENCES,
    classifier_logits,
    gan_samples,
    lenet_logits,
    params,
    seq2seq_states,
    write_result,
)

torch.set_num_threads(1)

from transformers import pipeline  # noqa: E402

from classicnets import (  # noqa: E402
    GANConfig,
    GANModel,
    LeNetConfig,
    LeNetForImageClassification,
    TransformerConfig,
    TransformerForSequenceClassification,
    TransformerModel,
    save_image_grid,
    train_sst2_tokenizer,
)
from classicnets.hub import push_checkpoint, render_model_card  # noqa: E402
from classicnets.training.recipes import get_recipe_class  # noqa: E402

p = params()
work = Path(p["workdir"])
repos = p["repos"]
result = {"commits": {}}


def save(model, key, tokenizer=None) -> Path:
    folder = work / key
    model.save_pretrained(folder)
    if tokenizer is not None:
        tokenizer.save_pretrained(folder)
    return folder


# --- Transformer: sentence classifier with its WordPiece tokenizer ---------------------------------------------
tokenizer = train_sst2_tokenizer(SST_SENTENCES * 2, vocab_size=200, min_frequency=1, model_max_length=SST_MAX_LEN)
torch.manual_seed(0)
classifier = TransformerForSequenceClassification(
    TransformerConfig.from_preset("tiny", vocab_size=len(tokenizer), max_position_embeddings=SST_MAX_LEN)).eval()
folder = save(classifier, "tf_cls", tokenizer)
result["tf_cls"] = {"logits": classifier_logits(classifier, tokenizer)}
result["tf_cls"]["pipeline"] = pipeline("text-classification", model=str(folder))(PROBE_SENTENCES)
render_model_card(
    get_recipe_class("transformer-sst2").card, folder, {"accuracy": 0.5, "loss": 0.69}, repo_id=repos["tf_ckpt"],
    training_command="classicnets train transformer-sst2 --preset tiny --max_steps 5",
    hyperparameters={"learning_rate": 1e-3, "batch_size": 4}, sample_text="a funny film -> positive",
).save(folder / "README.md")
classifier.push_to_hub(repos["tf_p2h"], commit_message="classifier via push_to_hub")
tokenizer.push_to_hub(repos["tf_p2h"], commit_message="tokenizer via push_to_hub")
result["commits"]["tf_ckpt"] = push_checkpoint(folder, repos["tf_ckpt"], commit_message="classifier").oid

# --- Transformer: the paper's encoder-decoder -------------------------------------------------------------------
torch.manual_seed(1)
seq2seq = TransformerModel(TransformerConfig.from_preset("tiny", vocab_size=32)).eval()
folder = save(seq2seq, "tf_seq2seq")
result["tf_seq2seq"] = {"states": seq2seq_states(seq2seq)}
result["commits"]["tf_seq2seq"] = push_checkpoint(folder, repos["tf_seq2seq"]).oid

# --- GAN: unconditional, released with a card and a grid of samples --------------------------------------------
torch.manual_seed(2)
gan = GANModel(GANConfig.from_preset("tiny")).eval()
folder = save(gan, "gan")
result["gan"] = gan_samples(gan)
save_image_grid(gan.generate(num_images=16, seed=0), folder / "samples.png", nrow=4, scale=2)
render_model_card(
    get_recipe_class("gan-mnist").card, folder,
    {"lenet_fid": {"value": 123.4, "type": "fid"},
     "inception_score": {"value": 1.9, "name": "Inception Score (LeNet)"}},
    repo_id=repos["gan"], training_command="classicnets train gan-mnist --preset tiny --max_steps 5",
    hyperparameters={"learning_rate": 2e-4, "batch_size": 16, "hub_token": p["token"]},
    sample_image="samples.png",
).save(folder / "README.md")
result["commits"]["gan"] = push_checkpoint(folder, repos["gan"], commit_message="gan with card").oid

# --- GAN: class-conditional ------------------------------------------------------------------------------------
torch.manual_seed(3)
gan_cond = GANModel(GANConfig.from_preset("tiny", num_classes=10)).eval()
save(gan_cond, "gan_cond")
result["gan_cond"] = gan_samples(gan_cond)
gan_cond.push_to_hub(repos["gan_cond"], commit_message="conditional gan via push_to_hub")

# --- LeNet classifier ------------------------------------------------------------------------------------------
torch.manual_seed(4)
lenet = LeNetForImageClassification(LeNetConfig.from_preset("tiny")).eval()
save(lenet, "lenet")
result["lenet"] = {"logits": lenet_logits(lenet)}
lenet.push_to_hub(repos["lenet"], commit_message="lenet via push_to_hub")

write_result(result)
