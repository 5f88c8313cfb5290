import pytest
import torch
from transformers import AutoConfig, AutoModel, AutoModelForCausalLM, GenerationConfig, pipeline

from classicnets import CharLSTMConfig, CharLSTMForCausalLM, CharLSTMModel

from .conftest import make_model

PROMPTS = ["To be", "Whether 'tis", "你", "question:\nW"]


def greedy_from_full_prefix(model, input_ids, attention_mask, steps):
    """Reference decoder: re-run the model over the whole prefix for every new character."""
    ids, mask = input_ids, attention_mask
    for _ in range(steps):
        logits = model(ids, attention_mask=mask).logits[:, -1]
        next_id = logits.argmax(-1, keepdim=True)
        ids = torch.cat([ids, next_id], dim=1)
        mask = torch.cat([mask, torch.ones_like(next_id)], dim=1)
    return ids


def test_output_types_and_shapes(model, tokenizer):
    batch = tokenizer(["to be", "or"], padding=True, return_tensors="pt")
    out = model(**batch, labels=batch["input_ids"])
    assert out.logits.shape == (2, 5, len(tokenizer))
    h, c = out.state
    assert h.shape == c.shape == (model.config.num_layers, 2, model.config.hidden_size)
    assert out.loss.ndim == 0 and torch.isfinite(out.loss)


def test_loss_is_shifted_cross_entropy_ignoring_minus_100(model, tokenizer):
    ids = torch.tensor([tokenizer.encode("to be or not")])
    labels = ids.clone()
    labels[0, 5:] = -100
    out = model(ids, labels=labels)
    manual = torch.nn.functional.cross_entropy(out.logits[0, :4], ids[0, 1:5])
    torch.testing.assert_close(out.loss, manual)


def test_carried_state_equals_full_prefix(model, tokenizer):
    """Chunked evaluation with carried state gives the same logits as one pass."""
    ids = torch.tensor([tokenizer.encode("To be, or not to be, that is the question")])
    full = model(ids).logits
    first = model(ids[:, :10])
    second = model(ids[:, 10:], state=first.state)
    torch.testing.assert_close(torch.cat([first.logits, second.logits], dim=1), full, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("prompt", PROMPTS)
def test_greedy_generate_with_state_matches_recompute(model, tokenizer, prompt):
    batch = tokenizer([prompt], return_tensors="pt")
    fast = model.generate(**batch, max_new_tokens=40, do_sample=False)
    slow = greedy_from_full_prefix(model, batch["input_ids"], batch["attention_mask"], 40)
    assert fast.tolist() == slow.tolist()


def test_batched_left_padded_generate_matches_each_prompt_alone(model, tokenizer):
    batch = tokenizer(PROMPTS, padding=True, return_tensors="pt")
    together = model.generate(**batch, max_new_tokens=30, do_sample=False)
    reference = greedy_from_full_prefix(model, batch["input_ids"], batch["attention_mask"], 30)
    assert together.tolist() == reference.tolist()
    for row, prompt in enumerate(PROMPTS):
        alone = model.generate(**tokenizer([prompt], return_tensors="pt"), max_new_tokens=30, do_sample=False)
        assert together[row, -30:].tolist() == alone[0, -30:].tolist()


def test_generate_runs_one_step_per_new_character(model, tokenizer):
    """generate() must feed only the newest character once the state is carried (O(1) per character)."""
    lengths = []
    hook = model.model.register_forward_hook(lambda mod, args, out: lengths.append(out.last_hidden_state.shape[1]))
    model.generate(**tokenizer(["To be, or not"], return_tensors="pt"), max_new_tokens=8, do_sample=False)
    hook.remove()
    assert lengths == [13] + [1] * 7


def test_sampling_options_and_seeded_reproducibility(model, tokenizer):
    batch = tokenizer(PROMPTS[:2], padding=True, return_tensors="pt")
    kwargs = dict(do_sample=True, temperature=0.8, top_k=10, top_p=0.9, repetition_penalty=1.2, max_new_tokens=25,
                  suppress_tokens=[tokenizer.eos_token_id])  # a random model samples <eos> early
    torch.manual_seed(123)
    a = model.generate(**batch, **kwargs)
    torch.manual_seed(123)
    b = model.generate(**batch, **kwargs)
    torch.manual_seed(7)
    c = model.generate(**batch, **kwargs)
    assert a.tolist() == b.tolist()
    assert a.tolist() != c.tolist()
    assert a.shape == (2, batch["input_ids"].shape[1] + 25)


def test_eos_stops_generation(tokenizer):
    model = make_model(tokenizer)
    with torch.no_grad():  # make <eos> the most likely next token everywhere
        model.lm_head.bias.zero_()
        model.lm_head.bias[tokenizer.eos_token_id] = 100.0
    out = model.generate(**tokenizer(["To"], return_tensors="pt"), max_new_tokens=20, do_sample=False)
    assert out[0, -1].item() == tokenizer.eos_token_id
    assert out.shape[1] == 3


def test_tutorial_preset_is_one_hot_lstm_128(tokenizer):
    model = make_model(tokenizer, preset="tutorial")
    assert model.model.embed_tokens is None
    assert model.model.lstm.input_size == len(tokenizer)
    assert model.model.lstm.hidden_size == 128 and model.model.lstm.num_layers == 1
    v = len(tokenizer)
    expected = 4 * (v * 128 + 128 * 128 + 2 * 128) + (128 * v + v)  # LSTM + Dense, as the tutorial counts
    assert model.num_parameters() == expected


def test_shakespeare_preset_ties_embeddings(tokenizer):
    model = make_model(tokenizer, preset="shakespeare")
    assert model.lm_head.weight.data_ptr() == model.model.embed_tokens.weight.data_ptr()
    assert model.config.num_layers == 2 and model.config.hidden_size == model.config.embedding_size == 256


def test_init_is_applied(tokenizer):
    model = make_model(tokenizer, preset="tiny", initializer_range=0.3)
    std = model.model.embed_tokens.weight.std().item()
    assert 0.2 < std < 0.4
    hidden = model.config.hidden_size
    assert torch.all(model.model.lstm.bias_ih_l0[hidden : 2 * hidden] == 1.0)  # forget-gate bias


def test_tie_needs_equal_sizes():
    with pytest.raises(ValueError, match="embedding_size == hidden_size"):
        CharLSTMConfig(embedding_size=16, hidden_size=32, tie_word_embeddings=True)


def test_save_and_load_is_exact(model, tokenizer, tmp_path):
    model.generation_config = GenerationConfig(do_sample=True, top_k=5, max_new_tokens=50,
                                               pad_token_id=tokenizer.pad_token_id)
    model.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    loaded = AutoModelForCausalLM.from_pretrained(tmp_path)
    assert isinstance(loaded, CharLSTMForCausalLM)
    strip = lambda d: {k: v for k, v in d.items() if k != "_name_or_path"}  # noqa: E731
    assert strip(loaded.config.to_dict()) == strip(model.config.to_dict())
    assert loaded.generation_config.to_dict() == model.generation_config.to_dict()
    for (name, a), (_, b) in zip(model.state_dict().items(), loaded.state_dict().items()):
        assert torch.equal(a, b), name
    base = AutoModel.from_pretrained(tmp_path)
    assert isinstance(base, CharLSTMModel)
    assert torch.equal(base.lstm.weight_hh_l0, model.model.lstm.weight_hh_l0)


def test_pipeline_text_generation(model, tokenizer, tmp_path):
    model.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    generator = pipeline("text-generation", model=str(tmp_path))
    out = generator("To be", max_new_tokens=12, do_sample=False)
    expected = model.generate(**tokenizer(["To be"], return_tensors="pt"), max_new_tokens=12, do_sample=False)
    assert out[0]["generated_text"] == tokenizer.decode(expected[0])


# --- bad input ----------------------------------------------------------------------------------------------

def test_empty_prompt_is_a_clear_error(model, tokenizer):
    with pytest.raises(ValueError, match="empty"):
        model.generate(input_ids=torch.zeros(1, 0, dtype=torch.long), max_new_tokens=5)


def test_out_of_range_ids_are_a_clear_error(model):
    with pytest.raises(ValueError, match="tokenizer"):
        model(torch.tensor([[0, 10_000]]))


def test_non_positive_max_new_tokens(model, tokenizer):
    with pytest.raises(ValueError, match="max_new_tokens"):
        model.generate(**tokenizer(["To"], return_tensors="pt"), max_new_tokens=0)


def test_missing_or_corrupt_weights(model, tmp_path):
    model.save_pretrained(tmp_path)
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"\x00garbage")
    with pytest.raises(Exception, match=r"(?i)safetensors|header|corrupt|deserializ"):
        AutoModelForCausalLM.from_pretrained(tmp_path)
    weights.unlink()
    with pytest.raises(OSError, match="model.safetensors"):
        AutoModelForCausalLM.from_pretrained(tmp_path)


def test_config_of_another_model_type(tmp_path):
    from transformers import GPT2Config

    GPT2Config(n_layer=1, n_embd=8, n_head=2).save_pretrained(tmp_path)
    with pytest.raises(ValueError, match="gpt2"):
        CharLSTMForCausalLM.from_pretrained(tmp_path)
    assert AutoConfig.from_pretrained(tmp_path).model_type == "gpt2"


def test_weights_file_only_safetensors(model, tmp_path):
    model.save_pretrained(tmp_path)
    assert (tmp_path / "model.safetensors").exists()
    assert not list(tmp_path.glob("*.bin"))


@pytest.mark.parametrize("preset", ["tiny", "tutorial"])
def test_single_step_path_equals_fused_lstm(tokenizer, preset):
    """The written-out one-step LSTM used during generation computes what nn.LSTM computes."""
    model = make_model(tokenizer, preset=preset)
    ids = torch.tensor([tokenizer.encode("To be, or not to be")] * 3)
    prefix = model(ids[:, :-1])
    stepped = model(ids[:, -1:], state=prefix.state)  # the one-step path
    fused = model.model.lstm(model.model.embed(ids[:, -1:]), prefix.state)
    torch.testing.assert_close(stepped.state[0], fused[1][0], atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(stepped.state[1], fused[1][1], atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(stepped.logits, model.lm_head(fused[0]), atol=1e-6, rtol=1e-5)
