"""Screenshots of the three demos for the README (docs/demo-*.png), with trained models, through the same browser
harness as the tests:

    python -m tests.demos.screenshots --char_lstm outputs/char-lstm --sst2 outputs/transformer-sst2 \\
        --gan outputs/gan-mnist-conditional --output_dir docs

Each demo is served on 127.0.0.1, filled in and run as a user would, and captured once its output is complete.
"""

import argparse
from pathlib import Path

from classicnets.demos import build_demo

from .browser import image_of, launched_browser, open_page, served, set_number, wait_idle


def char_lstm(browser, checkpoint: str, path: Path, prompt: str = "ROMEO:", length: int = 600) -> None:
    with served(build_demo(checkpoint)) as url:
        page = open_page(browser, url, "#prompt textarea")
        page.locator("#prompt textarea").fill(prompt)
        set_number(page, "temperature", 0.7)
        set_number(page, "length", length)
        page.locator("#generate").click()
        output, last, stable = page.locator("#output textarea"), None, 0
        while stable < 8 or len(last) < len(prompt) + 50:  # streamed: done once the text stops growing for 2 s
            page.wait_for_timeout(250)
            value = output.input_value()
            stable, last = (stable + 1 if value == last else 0), value
        page.screenshot(path=path, full_page=True)


def sst2(browser, checkpoint: str, path: Path, sentence: str = "a gripping , funny and deeply moving film .") -> None:
    with served(build_demo(checkpoint)) as url:
        page = open_page(browser, url, "#sentence textarea")
        page.locator("#sentence textarea").fill(sentence)
        page.locator("#classify").click()
        image_of(page, "attention")
        wait_idle(page, "label")
        page.screenshot(path=path, full_page=True)


def gan(browser, checkpoint: str, path: Path) -> None:
    with served(build_demo(checkpoint)) as url:
        page = open_page(browser, url, "#seed input")
        _, src = image_of(page, "grid")
        if page.locator("#digit input").is_visible():
            page.locator("#digit input").fill("3")
            page.locator("#digit input").press("Enter")
        page.locator("#seed input").fill("1")
        page.locator("#generate").click()
        image_of(page, "grid", previous=src)
        page.locator("#seed_b input").fill("7")
        page.locator("#interpolate").click()
        image_of(page, "strip")
        page.screenshot(path=path, full_page=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--char_lstm", help="A trained char-LSTM run (folder or Hub id).")
    parser.add_argument("--sst2", help="A trained transformer-sst2 run.")
    parser.add_argument("--gan", help="A trained gan-mnist run (class-conditional shows the digit picker).")
    parser.add_argument("--output_dir", default="docs")
    args = parser.parse_args()
    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    with launched_browser() as browser:
        for name, checkpoint, shoot in (("demo-char-lstm", args.char_lstm, char_lstm), ("demo-sst2", args.sst2, sst2),
                                        ("demo-gan", args.gan, gan)):
            if checkpoint:
                shoot(browser, checkpoint, out / f"{name}.png")
                print(f"wrote {out / name}.png")


if __name__ == "__main__":
    main()
