"""Any text trains: windows cover the whole text, a text shorter than a window is one window, and a loader that
yields no batch is an error at once (it used to spin forever at 100% CPU)."""

import numpy as np
import pytest
import torch

from classicnets.models.char_lstm import CharTokenizer
from classicnets.training.recipes.char_lstm import windows

from .helpers import run_train, tiny_char_lstm_args

SENTENCE = "春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。"  # 24 characters, none of them ASCII


@pytest.mark.parametrize("length", [17, 18, 40, 41, 100])
def test_windows_cover_every_character_the_remainder_included(length):
    text = "".join(chr(0x4E00 + i) for i in range(length))  # all distinct: a window has one place
    tokenizer = CharTokenizer.from_corpus(text)
    out = windows({"text": [text]}, tokenizer, "text", size=17)
    stream = tokenizer.encode_corpus(text)
    predicted = np.zeros(length, dtype=bool)
    for window in out["input_ids"]:
        assert len(window) == 17
        start = next(s for s in range(length - 16) if np.array_equal(stream[s : s + 17], window))
        predicted[start + 1 : start + 17] = True
    assert predicted[1:].all()  # every character but the first is a target of some window


def test_stateful_windows_stay_stride_aligned():
    text = "abcdefghij" * 5  # 50 characters: windows at 0, 16, 32 and a remainder of 2
    tokenizer = CharTokenizer.from_corpus(text)
    out = windows({"text": [text]}, tokenizer, "text", size=17, cover_tail=False)
    stream = tokenizer.encode_corpus(text)
    assert [list(w) for w in out["input_ids"]] == [list(stream[s : s + 17]) for s in (0, 16, 32)]


def test_a_text_that_makes_no_batch_is_refused_at_once(tmp_path):
    corpus = tmp_path / "s.txt"
    corpus.write_text(SENTENCE, encoding="utf-8")
    args = tiny_char_lstm_args(tmp_path, tmp_path / "run", train_file=corpus, validation_file=corpus,
                               per_device_train_batch_size=8, max_steps=300)
    proc = run_train(args, check=False)  # run_train's own timeout: a hang fails the test instead of the suite
    assert proc.returncode != 0
    assert "make no full batch of 8" in proc.stderr and "--per_device_train_batch_size 2" in proc.stderr


def test_one_short_sentence_trains_until_greedy_generation_finishes_it(tmp_path):
    """The journey of the issue: a one-sentence corpus in Chinese, shorter than the default window."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    import classicnets  # noqa: F401

    corpus = tmp_path / "s.txt"
    corpus.write_text(SENTENCE, encoding="utf-8")
    run = tmp_path / "run"
    proc = run_train(tiny_char_lstm_args(
        tmp_path, run, train_file=corpus, validation_file=corpus, block_size=128, per_device_train_batch_size=1,
        max_steps=150, learning_rate=2e-2, dropout=0.0, save_steps=0, warmup_steps=0, lr_scheduler_type="constant"))
    assert "fewer than one window" in proc.stdout + proc.stderr
    tokenizer = AutoTokenizer.from_pretrained(run)
    model = AutoModelForCausalLM.from_pretrained(run).eval()
    inputs = tokenizer([SENTENCE[:2]], return_tensors="pt")
    with torch.no_grad():
        out = model.generate(**inputs, max_new_tokens=len(SENTENCE) - 2, do_sample=False)
    assert tokenizer.decode(out[0], skip_special_tokens=True) == SENTENCE
