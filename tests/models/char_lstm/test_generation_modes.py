"""generate() modes of the char-LSTM: beam search and beam sampling checked against decoders written here,
which re-run the model over each candidate's whole text (no carried state); the modes an LSTM cannot run are
refused by name."""

import functools
import itertools

import pytest
import torch
from transformers import DynamicCache
from transformers.cache_utils import Cache

from classicnets import CharLSTMConfig, CharLSTMForCausalLM, CharTokenizer

from .conftest import make_model

STEPS = 4


@pytest.fixture
def abc():
    """A 7-token vocabulary (4 special tokens + a, b, c), small enough to enumerate every continuation."""
    return CharTokenizer.from_corpus("abc")


@pytest.fixture
def abc_model(abc):
    """Tiny seeded model without an end-of-sequence token (every beam runs to max_new_tokens). Its weights
    are scaled up: at the default initialisation the next-character distribution hardly depends on the text,
    so beams would never swap parents and a state left in the wrong order would go unnoticed."""
    torch.manual_seed(0)
    config = CharLSTMConfig.from_preset("tiny", vocab_size=len(abc), pad_token_id=abc.pad_token_id,
                                        initializer_range=1.0)
    model = CharLSTMForCausalLM(config).eval()
    with torch.no_grad():
        model.lm_head.weight.mul_(2.0)
        model.model.lstm.weight_ih_l0.mul_(4.0)
        model.model.lstm.weight_hh_l0.mul_(4.0)
        model.model.lstm.weight_ih_l1.mul_(4.0)
        model.model.lstm.weight_hh_l1.mul_(4.0)
    return model


def beams_swapped_parents(out) -> bool:
    """Whether a returned sequence came from different beams at successive steps (the state was reordered)."""
    return any(a != b for row in out.beam_indices.tolist() for a, b in zip(row[1:], row[2:]))


def log_likelihood(model, prompt: list[int], continuations: torch.Tensor) -> torch.Tensor:
    """log p(continuation | prompt) of each row, from one full forward pass. continuations (N, S) -> (N,)."""
    ids = torch.cat([torch.tensor(prompt).expand(len(continuations), -1), continuations], dim=1)  # (N, P + S)
    with torch.no_grad():
        log_probs = model(ids).logits.log_softmax(-1)  # (N, P + S, V)
    steps = continuations.shape[1]
    predicted = log_probs[:, -steps - 1 : -1]  # positions that predict the continuation
    return predicted.gather(-1, continuations.unsqueeze(-1)).squeeze(-1).sum(-1)


def brute_force_beam_search(model, prompt: list[int], num_beams: int, steps: int):
    """Beam search by hand: every beam extended by every token, each candidate scored by re-running the model
    over its whole text. Returns [(generated ids, sum log-prob / steps)] best first (length_penalty=1)."""
    beams = [([], 0.0)]
    for _ in range(steps):
        candidates = []
        for generated, score in beams:
            with torch.no_grad():
                logits = model(torch.tensor([prompt + generated])).logits[0, -1]
            for token, log_p in enumerate(logits.log_softmax(-1).tolist()):
                candidates.append((generated + [token], score + log_p))
        beams = sorted(candidates, key=lambda c: -c[1])[:num_beams]
    return [(generated, score / steps) for generated, score in beams]


@pytest.mark.parametrize("text, num_beams", [("abca", 3), ("cab", 2), ("cab", 3)])
def test_beam_search_matches_brute_force(abc_model, abc, text, num_beams):
    prompt = abc.encode(text)
    out = abc_model.generate(torch.tensor([prompt]), max_new_tokens=STEPS, num_beams=num_beams,
                             num_return_sequences=num_beams, return_dict_in_generate=True, output_scores=True)
    assert beams_swapped_parents(out)
    expected = brute_force_beam_search(abc_model, prompt, num_beams, STEPS)
    assert out.sequences[:, len(prompt):].tolist() == [generated for generated, _ in expected]
    expected_scores = torch.tensor([score for _, score in expected])
    torch.testing.assert_close(out.sequences_scores, expected_scores, atol=1e-4, rtol=0)


def test_wide_beam_search_returns_the_best_of_all_sequences(abc_model, abc):
    """With num_beams = V^(steps-1) nothing is ever pruned: the result is the top of all V^steps sequences."""
    prompt, vocab, steps = abc.encode("cab"), len(abc), 3
    every = torch.tensor(list(itertools.product(range(vocab), repeat=steps)))  # (V^S, S)
    scores = log_likelihood(abc_model, prompt, every) / steps
    best = scores.argsort(descending=True)[:5]
    out = abc_model.generate(torch.tensor([prompt]), max_new_tokens=steps, num_beams=vocab ** (steps - 1),
                             num_return_sequences=5, return_dict_in_generate=True, output_scores=True)
    assert out.sequences[:, len(prompt):].tolist() == every[best].tolist()
    torch.testing.assert_close(out.sequences_scores, scores[best], atol=1e-4, rtol=0)


def test_batched_left_padded_beam_search_matches_each_prompt_alone(abc_model, abc):
    prompts = ["abcab", "c", "ba"]
    batch = abc(prompts, padding=True, return_tensors="pt")
    kwargs = dict(max_new_tokens=4, num_beams=3, num_return_sequences=2, return_dict_in_generate=True,
                  output_scores=True)
    together = abc_model.generate(**batch, **kwargs)
    for row, prompt in enumerate(prompts):
        alone = abc_model.generate(**abc([prompt], return_tensors="pt"), **kwargs)
        rows = slice(2 * row, 2 * row + 2)
        assert together.sequences[rows, -4:].tolist() == alone.sequences[:, -4:].tolist()
        torch.testing.assert_close(together.sequences_scores[rows], alone.sequences_scores, atol=1e-5, rtol=0)
        generated = together.sequences[rows, -4:]
        likelihood = log_likelihood(abc_model, abc.encode(prompt), generated) / 4
        torch.testing.assert_close(together.sequences_scores[rows], likelihood, atol=1e-4, rtol=0)


def test_beam_sampling_follows_the_state_of_each_beam(abc_model, abc):
    """do_sample=True, num_beams=2: the same seed gives the same beams as re-reading the whole prefix
    (use_cache=False), and each returned score is the model's own log-likelihood of that sequence."""
    prompt = abc.encode("abcabc")
    kwargs = dict(max_new_tokens=6, do_sample=True, num_beams=2, num_return_sequences=2,
                  return_dict_in_generate=True, output_scores=True)
    torch.manual_seed(5)
    carried = abc_model.generate(torch.tensor([prompt]), **kwargs)
    torch.manual_seed(5)
    recomputed = abc_model.generate(torch.tensor([prompt]), use_cache=False, **kwargs)
    assert beams_swapped_parents(carried)
    assert carried.sequences.tolist() == recomputed.sequences.tolist()
    generated = carried.sequences[:, len(prompt):]
    torch.testing.assert_close(carried.sequences_scores, log_likelihood(abc_model, prompt, generated) / 6,
                               atol=1e-4, rtol=0)


def test_sampling_with_num_return_sequences(model, tokenizer):
    batch = tokenizer(["To be", "你"], padding=True, return_tensors="pt")
    kwargs = dict(max_new_tokens=12, do_sample=True, num_return_sequences=3)
    torch.manual_seed(11)
    carried = model.generate(**batch, **kwargs)
    torch.manual_seed(11)
    recomputed = model.generate(**batch, use_cache=False, **kwargs)
    assert carried.shape == (6, batch["input_ids"].shape[1] + 12)
    assert carried.tolist() == recomputed.tolist()
    assert len({tuple(row) for row in carried[:3, -12:].tolist()}) == 3  # three samples of the first prompt


def test_use_cache_false_rereads_the_whole_prefix(model, tokenizer):
    lengths = []
    record = lambda mod, args, out: lengths.append(out.last_hidden_state.shape[1])  # noqa: E731
    hook = model.model.register_forward_hook(record)
    batch = tokenizer(["To be"], return_tensors="pt")
    model.generate(**batch, max_new_tokens=4, do_sample=False, use_cache=False)
    hook.remove()
    assert lengths == [5, 6, 7, 8]


@pytest.mark.parametrize("mode", [dict(num_beams=1), dict(num_beams=2), dict(num_beams=2, do_sample=True)])
def test_no_key_value_cache_is_built_or_carried(model, tokenizer, mode):
    """generate() carries only the LSTM state (h, c): no transformers Cache in its model kwargs, ever."""
    seen = []
    original = model.prepare_inputs_for_generation

    @functools.wraps(original)
    def recording(*args, **kwargs):
        seen.append(kwargs)
        return original(*args, **kwargs)

    model.prepare_inputs_for_generation = recording
    batch = tokenizer(["To be"], return_tensors="pt")
    out = model.generate(**batch, max_new_tokens=4, return_dict_in_generate=True, **mode)
    del model.prepare_inputs_for_generation
    assert len(seen) == 4
    assert not any(isinstance(value, Cache) for kwargs in seen for value in kwargs.values())
    assert all(kwargs.get("cache") is None for kwargs in seen)
    assert all(kwargs["state"] is not None for kwargs in seen[1:])
    h, c = out.cache  # what generate() hands back is the state itself: (L, B * beams, H) each
    rows = mode["num_beams"]
    assert h.shape == c.shape == (model.config.num_layers, rows, model.config.hidden_size)


def test_greedy_returns_the_state_of_the_generated_text(model, tokenizer):
    out = model.generate(**tokenizer(["To be"], return_tensors="pt"), max_new_tokens=6, do_sample=False,
                         return_dict_in_generate=True)
    with torch.no_grad():
        expected = model(out.sequences[:, :-1]).state  # the last generated character is not read yet
    torch.testing.assert_close(out.cache, expected, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(penalty_alpha=0.6, top_k=4), "contrastive search"),
        (dict(num_beams=4, num_beam_groups=2, diversity_penalty=0.5), "group beam search"),
        (dict(num_beams=2, force_words_ids=[[5]]), "constrained beam search"),
        (dict(prompt_lookup_num_tokens=3), "assisted decoding"),
        (dict(prompt_lookup_num_tokens=3, num_beams=2), "assisted decoding"),
        (dict(dola_layers="high"), "DoLa"),
    ],
)
def test_unsupported_modes_are_refused_by_name(model, tokenizer, kwargs, name):
    with pytest.raises(ValueError, match=f"cannot run {name}.*What works: greedy search"):
        model.generate(**tokenizer(["To be"], return_tensors="pt"), max_new_tokens=3, **kwargs)


def test_assistant_model_is_refused(model, tokenizer):
    assistant = make_model(tokenizer, seed=1)
    with pytest.raises(ValueError, match="cannot run assisted decoding.*cannot be rewound"):
        model.generate(**tokenizer(["To"], return_tensors="pt"), max_new_tokens=3, assistant_model=assistant)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(cache=DynamicCache()), "no key/value cache"),
        (dict(output_attentions=True, return_dict_in_generate=True), "output_attentions"),
        (dict(output_hidden_states=True, return_dict_in_generate=True), "output_hidden_states"),
        (dict(prefill_chunk_size=2), "prefill_chunk_size"),
    ],
)
def test_unsupported_arguments_are_refused(model, tokenizer, kwargs, match):
    with pytest.raises(ValueError, match=match):
        model.generate(**tokenizer(["To be"], return_tensors="pt"), max_new_tokens=3, **kwargs)


def test_passed_state_is_refused_with_several_sequences_per_prompt(model, tokenizer):
    batch = tokenizer(["To be"], return_tensors="pt")
    state = model(**batch).state
    with pytest.raises(ValueError, match="num_beams or num_return_sequences"):
        model.generate(**batch, state=state, max_new_tokens=3, num_beams=2)
