"""TransformerForSeq2SeqLM: loss, generate() with the key/value cache, equivalences, save/load, bad input."""

import pytest
import torch
from transformers import AutoModelForSeq2SeqLM, EncoderDecoderCache

import classicnets  # noqa: F401  (registers the Auto classes)
from classicnets import TransformerForSeq2SeqLM, TransformerSeq2SeqConfig
from classicnets.models.transformer.modeling_transformer import shift_tokens_right

PAD, START, EOS = 0, 2, 3
VOCAB, LIMIT = 40, 32


def make_model(seed=0, attn="sdpa", **overrides) -> TransformerForSeq2SeqLM:
    torch.manual_seed(seed)
    fields = {"vocab_size": VOCAB, "encoder_layers": 2, "decoder_layers": 3, "max_position_embeddings": LIMIT,
              "tie_word_embeddings": True, "initializer_range": 0.2, **overrides}
    config = TransformerSeq2SeqConfig.from_preset("tiny", **fields)
    config._attn_implementation = attn
    return TransformerForSeq2SeqLM(config).eval()


@pytest.fixture(scope="module")
def model():
    return make_model()


def sources(lengths=(7, 4, 9), seed=1):
    """Right-padded source ids (B, S) ending in EOS, and their attention mask."""
    g = torch.Generator().manual_seed(seed)
    ids = torch.full((len(lengths), max(lengths)), PAD)
    mask = torch.zeros_like(ids)
    for row, n in enumerate(lengths):
        ids[row, : n - 1] = torch.randint(5, VOCAB, (n - 1,), generator=g)
        ids[row, n - 1] = EOS
        mask[row, :n] = 1
    return ids, mask


def greedy(model, ids, mask=None, **kwargs):
    out = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=12, do_sample=False,
                         return_dict_in_generate=True, output_logits=True, **kwargs)
    return out.sequences, torch.stack(out.logits, dim=1)  # (B, 1 + new), (B, new, vocab)


# --- the model ----------------------------------------------------------------------------------------------


def test_shift_tokens_right_puts_the_start_token_first_and_reads_ignored_labels_as_padding():
    labels = torch.tensor([[7, 8, 9, EOS], [5, EOS, -100, -100]])
    assert shift_tokens_right(labels, PAD, START).tolist() == [[START, 7, 8, 9], [START, 5, EOS, PAD]]


def test_loss_is_the_cross_entropy_of_the_shifted_labels_and_ignores_padding(model):
    ids, mask = sources()
    labels = torch.tensor([[7, 8, 9, EOS], [5, EOS, -100, -100], [6, 6, 6, EOS]])
    out = model(input_ids=ids, attention_mask=mask, labels=labels)
    assert out.logits.shape == (3, 4, VOCAB)
    decoder_input_ids = shift_tokens_right(labels, PAD, START)
    logits = model(input_ids=ids, attention_mask=mask, decoder_input_ids=decoder_input_ids).logits
    keep = labels != -100
    expected = torch.nn.functional.cross_entropy(logits[keep], labels[keep])
    assert out.loss.item() == pytest.approx(expected.item(), rel=1e-6)
    # what stands behind an ignored label changes nothing
    other = labels.clone()
    other[1, 2:] = -100
    assert model(input_ids=ids, attention_mask=mask, labels=other).loss.item() == pytest.approx(out.loss.item())


def test_shared_embeddings_are_one_matrix_and_optional():
    tied = make_model()
    weight = tied.get_input_embeddings().weight
    assert tied.lm_head.weight is weight and tied.get_decoder().embeddings.token_embedding.weight is weight
    untied = make_model(tie_word_embeddings=False)
    assert untied.lm_head.weight is not untied.get_input_embeddings().weight
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert count(untied) - count(tied) == 2 * VOCAB * tied.config.d_model


def test_training_step_reduces_the_loss():
    model = make_model(initializer_range=0.02).train()
    ids, mask = sources()
    labels = torch.tensor([[7, 8, 9, EOS], [5, EOS, -100, -100], [6, 6, 6, EOS]])
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    first = None
    for _ in range(30):
        loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
        first = first if first is not None else loss.item()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss.item() < first / 4


# --- generate() and the cache ---------------------------------------------------------------------------------


def test_cached_and_uncached_decoding_give_the_same_tokens_and_logits(model):
    ids, mask = sources()
    cached, cached_logits = greedy(model, ids, mask, use_cache=True)
    plain, plain_logits = greedy(model, ids, mask, use_cache=False)
    assert torch.equal(cached, plain)
    torch.testing.assert_close(cached_logits, plain_logits, rtol=0, atol=1e-5)
    assert (cached[:, 0] == START).all() and cached.shape == (3, 13)


def test_step_by_step_with_the_cache_matches_one_full_pass(model):
    ids, mask = sources()
    target = torch.cat([torch.full((3, 1), START), torch.randint(5, VOCAB, (3, 9))], dim=1)  # (B, 10)
    full = model(input_ids=ids, attention_mask=mask, decoder_input_ids=target).logits  # (B, 10, V)
    encoder_outputs = model.get_encoder()(ids, attention_mask=mask)
    out = model(encoder_outputs=encoder_outputs, attention_mask=mask, decoder_input_ids=target[:, :1], use_cache=True)
    cache, steps = out.cache, [out.logits]
    assert isinstance(cache, EncoderDecoderCache)
    for t in range(1, target.shape[1]):
        out = model(encoder_outputs=encoder_outputs, attention_mask=mask, decoder_input_ids=target[:, t : t + 1],
                    cache=cache)
        steps.append(out.logits)
    assert cache.get_seq_length() == target.shape[1]
    torch.testing.assert_close(torch.cat(steps, dim=1), full, rtol=0, atol=1e-5)


def test_the_cross_attention_keys_and_values_are_computed_once(model):
    """Per decoder layer, the encoder output goes through k_proj once per generate() call; the self-attention
    projects one new position per step."""
    ids, mask = sources()
    calls = {"cross": [], "self": []}
    hooks = []
    for layer in model.get_decoder().layers:
        hooks.append(layer.cross_attn.k_proj.register_forward_hook(lambda m, i, o: calls["cross"].append(i[0].shape)))
        hooks.append(layer.self_attn.k_proj.register_forward_hook(lambda m, i, o: calls["self"].append(i[0].shape)))
    try:
        model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=8, min_new_tokens=8, do_sample=False)
    finally:
        for hook in hooks:
            hook.remove()
    layers = model.config.decoder_layers
    assert len(calls["cross"]) == layers and all(s[1] == ids.shape[1] for s in calls["cross"])
    assert len(calls["self"]) == 8 * layers and all(s[1] == 1 for s in calls["self"])


def test_decoder_deeper_than_the_encoder_generates(model):
    shallow = make_model(encoder_layers=1, decoder_layers=4)
    ids, mask = sources()
    cached, _ = greedy(shallow, ids, mask)
    plain, _ = greedy(shallow, ids, mask, use_cache=False)
    assert torch.equal(cached, plain)


def test_eager_and_sdpa_agree(model):
    eager = make_model(attn="eager")
    ids, mask = sources()
    target = torch.cat([torch.full((3, 1), START), torch.randint(5, VOCAB, (3, 6))], dim=1)
    a = model(input_ids=ids, attention_mask=mask, decoder_input_ids=target).logits
    b = eager(input_ids=ids, attention_mask=mask, decoder_input_ids=target).logits
    torch.testing.assert_close(a, b, rtol=0, atol=1e-5)
    (seq_a, logits_a), (seq_b, logits_b) = greedy(model, ids, mask), greedy(eager, ids, mask)
    assert torch.equal(seq_a, seq_b)
    torch.testing.assert_close(logits_a, logits_b, rtol=0, atol=1e-5)


def test_padding_on_either_side_changes_nothing(model):
    ids, _ = sources(lengths=(6,))
    alone, alone_logits = greedy(model, ids)
    for side in ("right", "left"):
        padded = torch.full((1, 10), PAD)
        mask = torch.zeros_like(padded)
        span = slice(0, 6) if side == "right" else slice(4, 10)
        padded[0, span], mask[0, span] = ids[0], 1
        seq, logits = greedy(model, padded, mask)
        assert torch.equal(seq, alone), side
        torch.testing.assert_close(logits, alone_logits, rtol=0, atol=1e-5)


def test_batched_generation_equals_one_at_a_time(model):
    ids, mask = sources()
    batched, batched_logits = greedy(model, ids, mask, min_new_tokens=12)
    for row in range(ids.shape[0]):
        n = int(mask[row].sum())
        alone, alone_logits = greedy(model, ids[row : row + 1, :n], min_new_tokens=12)
        assert torch.equal(alone[0], batched[row])
        torch.testing.assert_close(alone_logits[0], batched_logits[row], rtol=0, atol=1e-5)


def test_beam_search_and_sampling_with_several_return_sequences(model):
    ids, mask = sources()
    beams = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=6, num_beams=4,
                           num_return_sequences=3, return_dict_in_generate=True, output_scores=True)
    assert beams.sequences.shape[0] == 9 and (beams.sequences[:, 0] == START).all()
    scores = beams.sequences_scores.view(3, 3)
    assert (scores[:, :-1] >= scores[:, 1:]).all()  # best first
    # a beam of one is greedy search
    assert torch.equal(model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=6, num_beams=1),
                       greedy(model, ids, mask)[0][:, :7])
    # beam search with and without the cache (which beam search reorders) agree
    plain = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=6, num_beams=4,
                           num_return_sequences=3, use_cache=False)
    assert torch.equal(plain, beams.sequences)
    torch.manual_seed(0)
    sampled = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=6, do_sample=True, top_k=10,
                             num_return_sequences=2)
    torch.manual_seed(0)
    again = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=6, do_sample=True, top_k=10,
                           num_return_sequences=2)
    assert sampled.shape[0] == 6 and torch.equal(sampled, again)


# --- save / load --------------------------------------------------------------------------------------------


def test_save_and_load_is_exact(model, tmp_path):
    model.save_pretrained(tmp_path)
    loaded = AutoModelForSeq2SeqLM.from_pretrained(tmp_path).eval()
    assert type(loaded) is TransformerForSeq2SeqLM
    assert loaded.config.is_encoder_decoder and loaded.generation_config.decoder_start_token_id == START
    state, reloaded = model.state_dict(), loaded.state_dict()
    assert state.keys() == reloaded.keys() and all(torch.equal(state[k], reloaded[k]) for k in state)
    assert loaded.lm_head.weight is loaded.get_input_embeddings().weight
    ids, mask = sources()
    a, a_logits = greedy(model, ids, mask)
    b, b_logits = greedy(loaded, ids, mask)
    assert torch.equal(a, b) and torch.equal(a_logits, b_logits)


def test_a_plain_transformer_config_is_refused_with_the_fix():
    from classicnets import TransformerConfig

    with pytest.raises(TypeError, match="TransformerSeq2SeqConfig"):
        TransformerForSeq2SeqLM(TransformerConfig.from_preset("tiny"))


# --- bad input ----------------------------------------------------------------------------------------------


def test_empty_source_is_refused(model):
    with pytest.raises(ValueError, match="empty"):
        model.generate(input_ids=torch.zeros((1, 0), dtype=torch.long), max_new_tokens=3)


def test_too_long_source_is_refused_with_the_fix(model):
    with pytest.raises(ValueError, match=f"exceeds this model's max_position_embeddings={LIMIT}.*truncation=True"):
        model(input_ids=torch.full((1, LIMIT + 1), 7), labels=torch.tensor([[7, EOS]]))


def test_decoding_past_the_last_position_asks_for_fewer_new_tokens(model):
    ids, mask = sources()
    with pytest.raises(ValueError, match=f"Decoding reached position {LIMIT + 1}.*fewer new tokens"):
        model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=LIMIT + 5, min_new_tokens=LIMIT + 5)


def test_target_without_the_start_token_is_refused(model):
    ids, mask = sources()
    with pytest.raises(ValueError, match=f"must start with the decoder start token \\(id {START}\\).*labels"):
        model(input_ids=ids, attention_mask=mask, decoder_input_ids=torch.full((3, 4), 7))
    with pytest.raises(ValueError, match="decoder_input_ids is empty"):
        model(input_ids=ids, attention_mask=mask, decoder_input_ids=torch.zeros((3, 0), dtype=torch.long))


def test_a_decoder_is_required():
    with pytest.raises(ValueError, match="decoder_layers must be >= 1"):
        make_model(decoder_layers=0)
