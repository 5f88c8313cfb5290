import subprocess
import sys

import pytest
import torch
from transformers import AutoModel, AutoModelForSequenceClassification

import classicnets  # noqa: F401  (registers the Auto classes)
from classicnets import TransformerConfig, TransformerForSequenceClassification, TransformerModel
from classicnets.models.transformer.modeling_transformer import sinusoidal_positions

from .conftest import MAX_LEN, SENTENCES, make_classifier

ATOL = 1e-5


def tiny_config(**overrides) -> TransformerConfig:
    return TransformerConfig.from_preset("tiny", **overrides)


def random_batch(config, batch=3, length=12, seed=0, pad_lengths=(12, 7, 4)):
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(5, config.vocab_size, (batch, length), generator=g)
    mask = torch.zeros(batch, length, dtype=torch.long)
    for row, n in enumerate(pad_lengths):
        mask[row, :n] = 1
    return ids.masked_fill(mask == 0, config.pad_token_id), mask


def set_attention(model, implementation):
    model.set_attn_implementation(implementation)
    assert model.config._attn_implementation == implementation


# --- eager vs sdpa -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("norm_style", ["post", "pre"])
def test_eager_and_sdpa_agree_encoder_with_padding(norm_style):
    torch.manual_seed(0)
    model = TransformerForSequenceClassification(tiny_config(norm_style=norm_style, pooling="mean")).eval()
    ids, mask = random_batch(model.config)
    set_attention(model, "sdpa")
    sdpa = model(ids, attention_mask=mask, output_hidden_states=True)
    set_attention(model, "eager")
    eager = model(ids, attention_mask=mask, output_hidden_states=True)
    torch.testing.assert_close(sdpa.logits, eager.logits, atol=ATOL, rtol=0)
    keep = mask.bool()
    torch.testing.assert_close(sdpa.hidden_states[-1][keep], eager.hidden_states[-1][keep], atol=ATOL, rtol=0)


def test_eager_and_sdpa_agree_encoder_decoder_with_causal_and_padding_masks():
    torch.manual_seed(0)
    model = TransformerModel(tiny_config()).eval()
    src, src_mask = random_batch(model.config, length=10, pad_lengths=(10, 6, 3))
    tgt, tgt_mask = random_batch(model.config, length=8, seed=1, pad_lengths=(8, 8, 5))
    kwargs = dict(attention_mask=src_mask, decoder_input_ids=tgt, decoder_attention_mask=tgt_mask)
    set_attention(model, "sdpa")
    sdpa = model(src, **kwargs).last_hidden_state
    set_attention(model, "eager")
    eager = model(src, **kwargs).last_hidden_state
    assert sdpa.shape == (3, 8, 32)
    torch.testing.assert_close(sdpa, eager, atol=ATOL, rtol=0)


def test_sdpa_uses_the_fused_kernel_and_eager_does_not(monkeypatch):
    calls = []
    original = torch.nn.functional.scaled_dot_product_attention
    monkeypatch.setattr(
        torch.nn.functional, "scaled_dot_product_attention", lambda *a, **k: calls.append(1) or original(*a, **k)
    )
    model = TransformerForSequenceClassification(tiny_config()).eval()
    ids, mask = random_batch(model.config)
    model(ids, attention_mask=mask)
    assert len(calls) == model.config.encoder_layers
    set_attention(model, "eager")
    model(ids, attention_mask=mask)
    assert len(calls) == model.config.encoder_layers


def test_decoder_is_causal():
    """Changing a later target token must not change the states of earlier positions."""
    torch.manual_seed(0)
    model = TransformerModel(tiny_config()).eval()
    src = torch.randint(5, 100, (1, 6))
    tgt = torch.randint(5, 100, (1, 7))
    changed = tgt.clone()
    changed[0, 4] = (tgt[0, 4] + 1 - 5) % 95 + 5
    a = model(src, decoder_input_ids=tgt).last_hidden_state
    b = model(src, decoder_input_ids=changed).last_hidden_state
    torch.testing.assert_close(a[:, :4], b[:, :4], atol=ATOL, rtol=0)
    assert not torch.allclose(a[:, 4:], b[:, 4:])


def test_output_attentions_falls_back_to_eager_and_returns_every_layer():
    torch.manual_seed(0)
    model = TransformerForSequenceClassification(tiny_config()).eval()
    assert model.config._attn_implementation == "sdpa"
    ids, mask = random_batch(model.config)
    with torch.no_grad():
        out = model(ids, attention_mask=mask, output_attentions=True)
    assert len(out.attentions) == model.config.encoder_layers
    for weights in out.attentions:
        assert weights.shape == (3, 4, 12, 12)  # (B, H, T, T)
        torch.testing.assert_close(weights.sum(-1), torch.ones(3, 4, 12))
        assert float(weights[2, :, :, 4:].abs().max()) == 0.0  # padding keys get no attention
    torch.testing.assert_close(out.logits, model(ids, attention_mask=mask).logits, atol=ATOL, rtol=0)


# --- shapes and variants -------------------------------------------------------------------------------------


def test_base_preset_shape_contract_of_the_pytorch_tutorial():
    """nn.Transformer(512, 8, 6): (S=10, B=3, E) and (T=20, B=3, E) -> (20, 3, 512). Ours is batch-first."""
    torch.manual_seed(0)
    model = TransformerModel(TransformerConfig.from_preset("base", vocab_size=1000)).eval()
    layer_params = sum(p.numel() for n, p in model.named_parameters() if "embeddings" not in n)
    assert abs(layer_params - 44_140_544) < 10_000  # the 6 + 6 layers of nn.Transformer(512, 8, 6)
    with torch.no_grad():
        out = model(torch.randint(5, 1000, (3, 10)), decoder_input_ids=torch.randint(5, 1000, (3, 20)))
    assert out.last_hidden_state.shape == (3, 20, 512)
    assert out.encoder_last_hidden_state.shape == (3, 10, 512)
    assert torch.isfinite(out.last_hidden_state).all()


@pytest.mark.parametrize("norm_style", ["post", "pre"])
@pytest.mark.parametrize("position_encoding", ["sinusoidal", "learned"])
@pytest.mark.parametrize("pooling", ["first", "mean", "max"])
def test_variants_run_forward_and_backward(norm_style, position_encoding, pooling):
    torch.manual_seed(0)
    config = tiny_config(norm_style=norm_style, position_encoding=position_encoding, pooling=pooling, dropout=0.1)
    model = TransformerForSequenceClassification(config).train()
    ids, mask = random_batch(config)
    out = model(ids, attention_mask=mask, labels=torch.tensor([0, 1, 1]))
    assert out.logits.shape == (3, 2)
    assert out.loss.ndim == 0 and torch.isfinite(out.loss)
    out.loss.backward()
    assert model.classifier.weight.grad is not None
    assert model.encoder.layers[0].self_attn.q_proj.weight.grad.abs().sum() > 0
    has_final_norm = model.encoder.final_layer_norm is not None
    assert has_final_norm == (norm_style == "pre")
    assert (model.encoder.embeddings.position_embedding is not None) == (position_encoding == "learned")


def test_regression_and_multi_label_losses():
    torch.manual_seed(0)
    ids, mask = random_batch(tiny_config())
    regression = TransformerForSequenceClassification(tiny_config(num_labels=1)).eval()
    assert regression(ids, attention_mask=mask, labels=torch.tensor([0.5, 1.0, -1.0])).loss.ndim == 0
    multi = TransformerForSequenceClassification(tiny_config(num_labels=3)).eval()
    out = multi(ids, attention_mask=mask, labels=torch.tensor([[1.0, 0, 1], [0, 1, 0], [0, 0, 0]]))
    assert multi.config.problem_type == "multi_label_classification" and out.loss.ndim == 0


def test_bf16_autocast_runs_in_both_implementations():
    torch.manual_seed(0)
    model = TransformerForSequenceClassification(tiny_config()).eval()
    ids, mask = random_batch(model.config)
    reference = model(ids, attention_mask=mask).logits
    for implementation in ("sdpa", "eager"):
        set_attention(model, implementation)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            logits = model(ids, attention_mask=mask).logits
        assert torch.isfinite(logits).all()
        torch.testing.assert_close(logits.float(), reference, atol=0.05, rtol=0.05)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert torch.isfinite(model(ids, attention_mask=mask, output_attentions=True).attentions[0]).all()


# --- padding invariance --------------------------------------------------------------------------------------


@pytest.mark.parametrize("pooling", ["first", "mean", "max"])
@pytest.mark.parametrize("padding_side", ["right", "left"])
@pytest.mark.parametrize("position_encoding", ["sinusoidal", "learned"])
def test_padding_invariance(tokenizer, pooling, padding_side, position_encoding):
    """A sentence alone and batched with a longer one (padded on either side) gets the same logits."""
    model = make_classifier(tokenizer, pooling=pooling, position_encoding=position_encoding)
    short, long = "dull .", SENTENCES[2]
    alone = model(**tokenizer([short], return_tensors="pt")).logits
    tokenizer.padding_side = padding_side
    try:
        batch = tokenizer([short, long], padding=True, return_tensors="pt")
    finally:
        tokenizer.padding_side = "right"
    assert not bool(batch["attention_mask"][0].all())  # the short one really is padded
    for implementation in ("sdpa", "eager"):
        set_attention(model, implementation)
        torch.testing.assert_close(model(**batch).logits[0:1], alone, atol=ATOL, rtol=0)


# --- bad inputs ----------------------------------------------------------------------------------------------


def test_too_long_input_names_length_and_limit(tokenizer):
    model = make_classifier(tokenizer)
    with pytest.raises(ValueError, match=rf"length {MAX_LEN + 1} exceeds .*max_position_embeddings={MAX_LEN}"):
        model(torch.full((1, MAX_LEN + 1), 5))


def test_empty_and_out_of_vocabulary_and_all_padding_inputs(tokenizer):
    model = make_classifier(tokenizer)
    with pytest.raises(ValueError, match="empty"):
        model(torch.zeros(1, 0, dtype=torch.long))
    with pytest.raises(ValueError, match="input_ids must lie in"):
        model(torch.tensor([[2, len(tokenizer) + 5, 3]]))
    with pytest.raises(ValueError, match="all zeros"):
        model(torch.tensor([[2, 5, 3], [2, 6, 3]]), attention_mask=torch.tensor([[1, 1, 1], [0, 0, 0]]))
    with pytest.raises(ValueError, match="exactly one of"):
        model()


def test_encoder_decoder_needs_a_target():
    model = TransformerModel(tiny_config()).eval()
    with pytest.raises(ValueError, match="decoder_input_ids"):
        model(torch.tensor([[5, 6, 7]]))


# --- initialisation ------------------------------------------------------------------------------------------


@torch.no_grad()
def test_initialisation_is_applied():
    """v5 runs `_init_weights` after __init__: N(0, initializer_range) weights, zero biases and padding row."""
    torch.manual_seed(0)
    config = TransformerConfig.from_preset("sst2", vocab_size=4000, initializer_range=0.1)
    model = TransformerForSequenceClassification(config)
    # PyTorch's own default (kaiming-uniform) would give std 1/sqrt(3 * fan_in): 0.051 and 0.026 here.
    for linear in (model.encoder.layers[0].self_attn.q_proj, model.encoder.layers[1].ffn.fc2, model.classifier):
        assert abs(float(linear.weight.std()) - 0.1) < 0.01
        assert float(linear.bias.abs().max()) == 0.0
    embedding = model.encoder.embeddings.token_embedding.weight
    assert abs(float(embedding[1:].std()) - 0.1) < 0.01
    assert float(embedding[config.pad_token_id].abs().max()) == 0.0
    norm = model.encoder.layers[0].self_attn_block.layer_norm
    assert torch.equal(norm.weight, torch.ones_like(norm.weight)) and float(norm.bias.abs().max()) == 0.0
    table = model.encoder.embeddings.sinusoidal_table
    torch.testing.assert_close(table, sinusoidal_positions(config.max_position_embeddings, config.d_model))
    assert float(table[0, 0]) == 0.0 and float(table[0, 1]) == 1.0  # sin(0), cos(0)


# --- save / load ---------------------------------------------------------------------------------------------


def assert_same_state(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    assert sa.keys() == sb.keys()
    for key in sa:
        assert torch.equal(sa[key], sb[key]), key


def test_classifier_round_trip_is_bit_identical(tokenizer, checkpoint):
    model = make_classifier(tokenizer)
    loaded = AutoModelForSequenceClassification.from_pretrained(checkpoint).eval()
    assert type(loaded) is TransformerForSequenceClassification
    assert_same_state(model, loaded)
    assert torch.equal(model.encoder.embeddings.sinusoidal_table, loaded.encoder.embeddings.sinusoidal_table)
    batch = tokenizer(SENTENCES[:3], padding=True, return_tensors="pt")
    assert torch.equal(model(**batch).logits, loaded(**batch).logits)


@pytest.mark.parametrize("position_encoding", ["sinusoidal", "learned"])
def test_encoder_decoder_round_trip_is_bit_identical(tmp_path, position_encoding):
    torch.manual_seed(0)
    model = TransformerModel(tiny_config(position_encoding=position_encoding, norm_style="pre")).eval()
    model.save_pretrained(tmp_path)
    loaded = AutoModel.from_pretrained(tmp_path).eval()
    assert type(loaded) is TransformerModel
    assert_same_state(model, loaded)
    src, tgt = torch.randint(5, 100, (2, 6)), torch.randint(5, 100, (2, 4))
    assert torch.equal(
        model(src, decoder_input_ids=tgt).last_hidden_state, loaded(src, decoder_input_ids=tgt).last_hidden_state
    )


def test_loading_with_attn_implementation_eager(checkpoint):
    loaded = AutoModelForSequenceClassification.from_pretrained(checkpoint, attn_implementation="eager")
    assert loaded.config._attn_implementation == "eager"


def test_different_num_labels_needs_ignore_mismatched_sizes(checkpoint):
    """Documented behaviour (transformers'): a head of another size refuses to load unless asked to re-initialise it."""
    with pytest.raises(RuntimeError, match="ignore_mismatched_sizes"):
        AutoModelForSequenceClassification.from_pretrained(checkpoint, num_labels=3)
    model = AutoModelForSequenceClassification.from_pretrained(checkpoint, num_labels=3, ignore_mismatched_sizes=True)
    assert model.classifier.out_features == 3 and model.config.num_labels == 3
    reference = AutoModelForSequenceClassification.from_pretrained(checkpoint)
    assert torch.equal(  # the encoder still comes from the checkpoint
        model.encoder.layers[0].ffn.fc1.weight, reference.encoder.layers[0].ffn.fc1.weight
    )


@pytest.mark.slow
def test_checkpoint_ships_its_code_for_trust_remote_code(tokenizer, checkpoint, tmp_path):
    """save_pretrained copies the modelling files (relative imports only): the checkpoint loads without classicnets."""
    assert (checkpoint / "modeling_transformer.py").is_file()
    assert (checkpoint / "configuration_transformer.py").is_file()
    ids = tokenizer(SENTENCES[0], return_tensors="pt").input_ids
    torch.save({"ids": ids, "logits": make_classifier(tokenizer)(ids).logits.detach()}, tmp_path / "ref.pt")
    script = f"""
import sys, torch
from transformers import AutoModelForSequenceClassification
model = AutoModelForSequenceClassification.from_pretrained({str(checkpoint)!r}, trust_remote_code=True).eval()
ref = torch.load({str(tmp_path / "ref.pt")!r})
assert "classicnets" not in sys.modules, "classicnets was imported"
assert torch.equal(model(ref["ids"]).logits, ref["logits"])
"""
    subprocess.run([sys.executable, "-c", script], check=True, cwd=tmp_path, timeout=120)
