"""TransformerEnsembleForSequenceClassification: members, the averaged prediction, the Auto classes and the pipeline."""

import math

import pytest
import torch
from transformers import AutoConfig, AutoModelForSequenceClassification, pipeline

import classicnets  # noqa: F401  (registers the Auto classes)
from classicnets import (
    TransformerConfig,
    TransformerEnsembleConfig,
    TransformerEnsembleForSequenceClassification,
    TransformerForSequenceClassification,
)

from .conftest import MAX_LEN, SENTENCES


def make_ensemble(tokenizer, num_members=3, seed=0, **overrides) -> TransformerEnsembleForSequenceClassification:
    torch.manual_seed(seed)
    config = TransformerEnsembleConfig.from_preset(
        "tiny", vocab_size=len(tokenizer), max_position_embeddings=MAX_LEN, num_members=num_members, **overrides)
    return TransformerEnsembleForSequenceClassification(config).eval()


def test_prediction_is_the_members_mean_probability(tokenizer):
    model = make_ensemble(tokenizer)
    inputs = tokenizer(SENTENCES[:4], return_tensors="pt", padding=True)
    labels = torch.tensor([1, 0, 1, 0])
    out = model(**inputs, labels=labels)
    members = [member(**inputs, labels=labels) for member in model.members]
    assert out.member_logits.shape == (4, 3, 2)
    for k, member_out in enumerate(members):
        torch.testing.assert_close(out.member_logits[:, k], member_out.logits)
    mean_probability = torch.stack([m.logits.softmax(-1) for m in members]).mean(0)
    torch.testing.assert_close(out.logits.softmax(-1), mean_probability)
    torch.testing.assert_close(out.logits.exp().sum(-1), torch.ones(4))  # logits are log-probabilities
    torch.testing.assert_close(out.loss, torch.stack([m.loss for m in members]).mean())
    # Each member starts from its own random weights.
    assert not torch.equal(model.members[0].classifier.weight, model.members[1].classifier.weight)


def test_regression_averages_the_members_outputs(tokenizer):
    model = make_ensemble(tokenizer, num_labels=1)
    inputs = tokenizer(SENTENCES[:2], return_tensors="pt", padding=True)
    out = model(**inputs, labels=torch.tensor([0.5, -1.0]))
    torch.testing.assert_close(out.logits, out.member_logits.mean(1))


def test_attentions_and_hidden_states_join_the_members(tokenizer):
    model = make_ensemble(tokenizer, num_members=2)
    inputs = tokenizer(SENTENCES[:2], return_tensors="pt", padding=True)
    out = model(**inputs, output_attentions=True, output_hidden_states=True)
    config, length = model.config, inputs["input_ids"].shape[1]
    assert len(out.attentions) == config.encoder_layers
    assert out.attentions[0].shape == (2, 2 * config.num_heads, length, length)
    second = model.members[1](**inputs, output_attentions=True)
    torch.testing.assert_close(out.attentions[-1][:, config.num_heads:], second.attentions[-1])
    assert out.hidden_states[-1].shape == (2, length, 2 * config.d_model)


def test_round_trip_auto_classes_and_pipeline(tokenizer, tmp_path):
    model = make_ensemble(tokenizer, num_members=2)
    model.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    assert AutoConfig.from_pretrained(tmp_path).num_members == 2
    loaded = AutoModelForSequenceClassification.from_pretrained(tmp_path).eval()
    assert isinstance(loaded, TransformerEnsembleForSequenceClassification)
    inputs = tokenizer(SENTENCES, return_tensors="pt", padding=True)
    assert torch.equal(loaded(**inputs).logits, model(**inputs).logits)

    classify = pipeline("text-classification", model=str(tmp_path))
    results = classify(SENTENCES[:3])
    with torch.no_grad():
        probabilities = model(**tokenizer(SENTENCES[:3], return_tensors="pt", padding=True)).logits.softmax(-1)
    for result, p in zip(results, probabilities):
        assert result["label"] == model.config.id2label[int(p.argmax())]
        assert result["score"] == pytest.approx(float(p.max()), abs=1e-5)


def test_single_and_ensemble_checkpoints_are_not_confused(tokenizer, tmp_path):
    make_ensemble(tokenizer, num_members=2).save_pretrained(tmp_path / "ensemble")
    with pytest.raises(ValueError, match="classic_transformer_ensemble.*not 'classic_transformer'"):
        TransformerForSequenceClassification.from_pretrained(tmp_path / "ensemble")


def test_invalid_member_count():
    with pytest.raises(ValueError, match="num_members must be >= 1"):
        TransformerEnsembleConfig(num_members=0)
    assert isinstance(TransformerEnsembleConfig(), TransformerConfig) and TransformerEnsembleConfig().num_members == 4
    assert math.isclose(TransformerEnsembleConfig.from_preset("sst2", num_members=2).d_model, 128)


def test_from_members_joins_trained_classifiers(tokenizer, tmp_path):
    from .conftest import make_classifier

    folders = []
    for seed in (1, 2):
        folders.append(tmp_path / f"member{seed}")
        make_classifier(tokenizer, seed=seed).save_pretrained(folders[-1])
    ensemble = TransformerEnsembleForSequenceClassification.from_members(folders).eval()
    assert ensemble.config.num_members == 2 and ensemble.config.d_model == make_classifier(tokenizer).config.d_model
    inputs = tokenizer(SENTENCES, return_tensors="pt", padding=True)
    out = ensemble(**inputs)
    for k, folder in enumerate(folders):
        alone = TransformerForSequenceClassification.from_pretrained(folder).eval()
        torch.testing.assert_close(out.member_logits[:, k], alone(**inputs).logits)

    make_classifier(tokenizer, seed=3, d_model=64).save_pretrained(tmp_path / "wider")
    with pytest.raises(ValueError, match=r"differs from .*member1 in d_model: ensemble members must share one"):
        TransformerEnsembleForSequenceClassification.from_members([folders[0], tmp_path / "wider"])
    with pytest.raises(ValueError, match="at least one member"):
        TransformerEnsembleForSequenceClassification.from_members([])
