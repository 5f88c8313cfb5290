"""The GAN demo in a real browser: the grid is the model's samples for the seed and digit, it changes with the
seed, and the interpolation strip runs from seed A's image to seed B's. Also `classicnets demo` itself."""

import os
import socket
import subprocess
import sys
import time
import urllib.request

import numpy as np
import pytest

from classicnets import GANModel
from classicnets.commands import main
from classicnets.demos import build_demo
from classicnets.demos.gan import SCALE, interpolation_strip, sample_grid
from classicnets.errors import CheckpointError

from .browser import image_of, open_page, served


def pixels(image) -> np.ndarray:
    return np.asarray(image.convert("L"), dtype=np.int16)


def test_grid_and_strip_images(gan_conditional_dir):
    model = GANModel.from_pretrained(gan_conditional_dir)
    grid = sample_grid(model, seed=0, digit=3, num_images=16, nrow=8)
    assert grid.size == (SCALE * (8 * 30 + 2), SCALE * (2 * 30 + 2))
    assert not np.array_equal(pixels(grid), pixels(sample_grid(model, seed=1, digit=3)))
    strip = interpolation_strip(model, 0, 1, steps=5, digit=3)
    cells = pixels(strip)[SCALE * 2 : SCALE * 30, :]  # the row of images, without the top and bottom padding
    first = pixels(sample_grid(model, seed=0, digit=3, num_images=1, nrow=1))[SCALE * 2 : SCALE * 30]
    assert np.array_equal(cells[:, : first.shape[1]], first)  # the strip starts at seed A's image


def test_gan_demo_in_the_browser(browser, gan_conditional_dir, tmp_path):
    model = GANModel.from_pretrained(gan_conditional_dir)
    with served(build_demo(str(gan_conditional_dir))) as url:
        page = open_page(browser, url, "#seed input")
        first, src = image_of(page, "grid")  # drawn when the page loads: seed 0, digit 7
        assert np.array_equal(pixels(first), pixels(sample_grid(model, 0, 7)))
        inner = pixels(first)[SCALE * 2 : SCALE * 30, SCALE * 2 : SCALE * 30]  # the first image, padding cut
        assert inner.std() > 5, "the first image is blank"

        page.locator("#seed input").fill("1")  # another seed, the same digit: other sevens
        page.locator("#generate").click()
        second, src = image_of(page, "grid", previous=src)
        assert np.array_equal(pixels(second), pixels(sample_grid(model, 1, 7)))
        assert not np.array_equal(pixels(first), pixels(second))

        page.locator("#digit input").fill("2")  # the same seed, another digit
        page.locator("#digit input").press("Enter")
        page.locator("#generate").click()
        third, _ = image_of(page, "grid", previous=src)
        assert np.array_equal(pixels(third), pixels(sample_grid(model, 1, 2)))
        assert not np.array_equal(pixels(second), pixels(third))

        page.locator("#seed_b input").fill("5")
        page.locator("#interpolate").click()
        strip, _ = image_of(page, "strip")
        assert np.array_equal(pixels(strip), pixels(interpolation_strip(model, 0, 5, steps=8, digit=2)))
        page.screenshot(path=tmp_path / "demo-gan.png", full_page=True)
    assert (tmp_path / "demo-gan.png").stat().st_size > 10_000


def test_unconditional_gan_demo_in_the_browser(browser, gan_dir):
    model = GANModel.from_pretrained(gan_dir)
    with served(build_demo(str(gan_dir))) as url:
        page = open_page(browser, url, "#seed input")
        assert page.locator("#digit").count() == 0  # no digit to choose: the model draws any
        first, src = image_of(page, "grid")
        assert np.array_equal(pixels(first), pixels(sample_grid(model, 0, None)))
        page.locator("#seed input").fill("3")
        page.locator("#generate").click()
        second, _ = image_of(page, "grid", previous=src)
        assert np.array_equal(pixels(second), pixels(sample_grid(model, 3, None)))
        assert not np.array_equal(pixels(first), pixels(second))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_demo_command_serves_on_loopback(gan_dir, tmp_path):
    port = free_port()
    env = {**os.environ, "OMP_NUM_THREADS": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    proc = subprocess.Popen([sys.executable, "-m", "classicnets", "demo", str(gan_dir), "--port", str(port)],
                            env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline, page = time.monotonic() + 180, None
        while page is None and time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/config", timeout=5) as response:
                    page = response.read().decode()
            except OSError:
                time.sleep(0.5)
        assert page is not None, f"no demo on 127.0.0.1:{port}; output:\n{proc.stdout.read() if proc.poll() else ''}"
        assert '"generate"' in page or "generate" in page  # its components' config (elem_id "generate")
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=60)
    assert f"127.0.0.1:{port}" in out


def test_demo_command_refuses_what_it_cannot_show(tmp_path, capsys, monkeypatch):
    (tmp_path / "config.json").write_text('{"model_type": "classic_lenet"}')
    monkeypatch.delenv("CLASSICNETS_DEBUG", raising=False)
    monkeypatch.setattr(sys, "argv", ["classicnets", "demo", str(tmp_path)])  # as the program runs
    assert main() == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "LeNet image classifier" in err and "`classicnets demo` needs" in err
    with pytest.raises(CheckpointError, match="No such folder or Hub repo"):  # a Python caller gets the error
        main(["demo", str(tmp_path / "missing")])
