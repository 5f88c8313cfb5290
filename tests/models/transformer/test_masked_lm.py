"""TransformerForMaskedLM: tied head, loss over masked positions only, Auto classes, fill-mask, and the hand-over of
its encoder to the classifier; the recipe's masking collator."""

import pytest
import torch
import torch.nn.functional as F
from transformers import AutoModelForMaskedLM, pipeline

import classicnets  # noqa: F401  (registers the Auto classes)
from classicnets import TransformerConfig, TransformerForMaskedLM, TransformerForSequenceClassification
from classicnets.training.text_tasks import MaskingCollator

from .conftest import MAX_LEN, SENTENCES


def make_mlm(tokenizer, seed=0) -> TransformerForMaskedLM:
    torch.manual_seed(seed)
    config = TransformerConfig.from_preset("tiny", vocab_size=len(tokenizer), max_position_embeddings=MAX_LEN,
                                           decoder_layers=0, tie_word_embeddings=True)
    return TransformerForMaskedLM(config)


@pytest.fixture(scope="module")
def mlm_checkpoint(tokenizer, tmp_path_factory):
    path = tmp_path_factory.mktemp("transformer-mlm")
    make_mlm(tokenizer).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def test_head_is_tied_and_loss_counts_masked_positions_only(tokenizer):
    model = make_mlm(tokenizer).eval()
    assert model.lm_head.decoder.weight.data_ptr() == model.encoder.embeddings.token_embedding.weight.data_ptr()
    batch = tokenizer(SENTENCES[:3], return_tensors="pt", padding=True)
    labels = torch.full_like(batch["input_ids"], -100)
    labels[0, 2], labels[2, 1] = batch["input_ids"][0, 2], batch["input_ids"][2, 1]
    out = model(**batch, labels=labels)
    assert out.logits.shape == (3, batch["input_ids"].shape[1], len(tokenizer))
    expected = F.cross_entropy(torch.stack([out.logits[0, 2], out.logits[2, 1]]), labels[labels != -100])
    torch.testing.assert_close(out.loss, expected)
    model.train()  # training with labels: the same loss, the full logits skipped
    model.config.dropout = 0.0
    train_out = model(**batch, labels=labels)
    assert train_out.logits is None
    torch.testing.assert_close(train_out.loss, expected)


def test_auto_class_round_trip_and_fill_mask_pipeline(tokenizer, mlm_checkpoint):
    reloaded = AutoModelForMaskedLM.from_pretrained(mlm_checkpoint)
    assert type(reloaded) is TransformerForMaskedLM
    original = make_mlm(tokenizer)
    for name, tensor in original.state_dict().items():
        torch.testing.assert_close(reloaded.state_dict()[name], tensor, atol=0, rtol=0)
    fill = pipeline("fill-mask", model=str(mlm_checkpoint), top_k=3)
    predictions = fill("a gripping , [MASK] and moving film .")
    assert len(predictions) == 3 and all({"token_str", "score", "sequence"} <= set(p) for p in predictions)
    assert predictions[0]["score"] >= predictions[1]["score"] >= predictions[2]["score"]


def test_classifier_starts_from_the_pretrained_encoder(mlm_checkpoint):
    mlm = AutoModelForMaskedLM.from_pretrained(mlm_checkpoint)
    classifier = TransformerForSequenceClassification.from_pretrained(mlm_checkpoint, num_labels=2, pooling="mean")
    encoder = mlm.encoder.state_dict()
    assert classifier.encoder.state_dict().keys() == encoder.keys()
    for name, tensor in classifier.encoder.state_dict().items():
        torch.testing.assert_close(tensor, encoder[name], atol=0, rtol=0)
    assert classifier.config.pooling == "mean" and classifier.classifier.weight.shape == (2, mlm.config.d_model)
    assert classifier.classifier.weight.abs().sum() > 0  # freshly initialised, not left empty


def test_masking_collator_masks_like_bert_and_never_a_special_token(tokenizer):
    ids = [tokenizer(s)["input_ids"] for s in SENTENCES] * 200
    collate = MaskingCollator(tokenizer, 0.15, torch.Generator().manual_seed(0))
    batch = collate([{"input_ids": x} for x in ids])
    again = MaskingCollator(tokenizer, 0.15, torch.Generator().manual_seed(0))([{"input_ids": x} for x in ids])
    assert all(torch.equal(batch[k], again[k]) for k in batch)  # seeded: reproducible
    original = torch.full_like(batch["input_ids"], tokenizer.pad_token_id)
    for row, x in enumerate(ids):
        original[row, : len(x)] = torch.tensor(x)
    chosen = batch["labels"] != -100
    special = torch.isin(original, torch.tensor(tokenizer.all_special_ids))
    assert not (chosen & special).any() and torch.equal(batch["labels"][chosen], original[chosen])
    assert torch.equal(batch["input_ids"][~chosen], original[~chosen])  # only chosen positions change
    share = chosen.sum() / (~special).sum()
    assert 0.13 < share < 0.17
    masked = (batch["input_ids"] == tokenizer.mask_token_id)[chosen].float().mean()
    kept = (batch["input_ids"] == original)[chosen].float().mean()
    assert 0.77 < masked < 0.83 and 0.08 < kept < 0.13  # 80% [MASK]; 10% kept (+ random draws of the same id)
