"""The classifier demo in a real browser: the page shows the model's label and probability, and the heads."""

import re

import numpy as np
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from classicnets.demos import build_demo
from classicnets.demos.sst2 import attention_image, classify_sentences

from ..commands.checkpoints import SENTENCES
from .browser import image_of, open_page, served, set_number, wait_idle


def test_classify_and_attention_image(sst2_dir):
    model = AutoModelForSequenceClassification.from_pretrained(sst2_dir).eval()
    tokenizer = AutoTokenizer.from_pretrained(sst2_dir)
    results = classify_sentences(model, tokenizer, SENTENCES[:2])
    assert [r["label"] for r in results] == ["positive", "negative"]
    image = np.asarray(attention_image(model, tokenizer, SENTENCES[0]))
    assert image.shape[0] > 100 and image.shape[1] > 100 and image.std() > 10


def test_sst2_demo_in_the_browser(browser, sst2_dir, tmp_path):
    model = AutoModelForSequenceClassification.from_pretrained(sst2_dir).eval()
    tokenizer = AutoTokenizer.from_pretrained(sst2_dir)
    with served(build_demo(str(sst2_dir))) as url:
        page = open_page(browser, url, "#sentence textarea")
        shown = {}
        for sentence in SENTENCES[:2]:
            want = classify_sentences(model, tokenizer, [sentence])[0]
            previous = page.locator("#attention img").first.get_attribute("src") if shown else None
            page.locator("#sentence textarea").fill(sentence)
            page.locator("#classify").click()
            page.wait_for_function(
                "label => document.querySelector('#label h2, #label .output-class')?.textContent.trim() === label",
                arg=want["label"])
            wait_idle(page, "label")
            text = page.locator("#label").inner_text()
            shown[sentence] = text
            assert want["label"] in text and set(re.findall(r"positive|negative", text)) <= {"positive", "negative"}
            percent = round(100 * want["score"])
            assert re.search(rf"\b{percent}%", text), f"{percent}% not on the page: {text!r}"
            image, _ = image_of(page, "attention", previous)
            pixels = np.asarray(image.convert("L"), dtype=np.float32)
            assert image.width > 200 and image.height > 150 and pixels.std() > 10  # a plot, not a blank image
        last = page.locator("#attention img").first.get_attribute("src")
        set_number(page, "layer", 0)  # the first layer's heads, drawn exactly as attention_image draws them
        page.locator("#classify").click()
        image, _ = image_of(page, "attention", last)
        want = attention_image(model, tokenizer, SENTENCES[1], layer=0)
        assert np.array_equal(np.asarray(image.convert("RGB")), np.asarray(want))
        page.screenshot(path=tmp_path / "demo-sst2.png", full_page=True)
    assert shown[SENTENCES[0]] != shown[SENTENCES[1]]
