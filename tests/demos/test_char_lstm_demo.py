"""The char-LSTM demo in a real browser: the text streams in, continues the prompt, and is the model's sample."""

import time

from transformers import AutoModelForCausalLM, AutoTokenizer

from classicnets.demos import build_demo
from classicnets.demos.char_lstm import stream_text

from .browser import open_page, served, set_number


def load(folder):
    return AutoModelForCausalLM.from_pretrained(folder).eval(), AutoTokenizer.from_pretrained(folder)


def test_stream_text_grows_and_stops_when_closed(char_lstm_dir):
    model, tokenizer = load(char_lstm_dir)
    texts = list(stream_text(model, tokenizer, "To be", temperature=0.8, max_new_tokens=50, seed=1))
    assert texts[0] == "To be" and len(texts) > 2
    assert all(b.startswith(a) and len(b) > len(a) for a, b in zip(texts, texts[1:]))  # each update extends
    assert texts[-1] == list(stream_text(model, tokenizer, "To be", 0.8, max_new_tokens=50, seed=1))[-1]
    greedy = list(stream_text(model, tokenizer, "", temperature=0, max_new_tokens=10))[-1]  # empty prompt: <bos>
    assert 0 < len(greedy) <= 10
    stream = stream_text(model, tokenizer, "To be", max_new_tokens=10**9, seed=0)
    next(stream), next(stream)
    start = time.monotonic()
    stream.close()  # stops the worker at its next character (or this would run for 10**9 of them)
    assert time.monotonic() - start < 60


def test_char_lstm_demo_in_the_browser(browser, char_lstm_dir, tmp_path):
    model, tokenizer = load(char_lstm_dir)
    prompt, temperature, length, seed = "Whether", 1.25, 600, 4
    expected = list(stream_text(model, tokenizer, prompt, temperature=temperature, top_k=5, max_new_tokens=length,
                                seed=seed))[-1]
    at_default = list(stream_text(model, tokenizer, prompt, temperature=0.8, top_k=5, max_new_tokens=length,
                                  seed=seed))[-1]
    assert at_default != expected  # so the page's text shows that the temperature typed was used
    with served(build_demo(str(char_lstm_dir))) as url:
        page = open_page(browser, url, "#prompt textarea")
        page.locator("#prompt textarea").fill(prompt)
        set_number(page, "temperature", temperature)
        set_number(page, "top_k", 5)
        set_number(page, "length", length)
        page.locator("#seed input").fill(str(seed))
        page.locator("#generate").click()
        output = page.locator("#output textarea")
        seen, deadline = [], time.monotonic() + 180
        while time.monotonic() < deadline:  # read the text box while the text streams in
            value = output.input_value()
            if not seen or value != seen[-1]:
                seen.append(value)
            if value == expected:
                break
            page.wait_for_timeout(20)
        page.screenshot(path=tmp_path / "demo-char-lstm.png", full_page=True)
    assert seen[-1] == expected, f"the page shows {seen[-1][:200]!r}"
    assert expected.startswith(prompt) and len(expected) > len(prompt) + 100
    partial = [v for v in seen if v.startswith(prompt) and len(prompt) < len(v) < len(expected)]
    assert partial and all(expected.startswith(v) for v in partial), "no partial text was shown: not streamed"
    assert (tmp_path / "demo-char-lstm.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
