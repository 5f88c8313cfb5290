"""`classicnets generate`: text from a char-LSTM (streamed), images from a GAN, clear errors for the rest."""

import os
import subprocess
import sys
import time

import numpy as np
import pytest
import torch
from PIL import Image
from transformers import AutoModelForCausalLM, AutoTokenizer

from classicnets import GANModel
from classicnets.commands import generate, main
from classicnets.errors import OptionError

from .program import one_line_error, run_program


def run(capsys, *argv):
    return run_program(capsys, "generate", *argv)


def one_line(err: str) -> str:
    return one_line_error("generate", err)


def expected_text(folder, prompt, max_new_tokens, seed, **sampling):
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder).eval()
    torch.manual_seed(seed)
    ids = torch.tensor([tokenizer(prompt)["input_ids"]])
    out = model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=max_new_tokens,
                         pad_token_id=tokenizer.pad_token_id, **sampling)
    return prompt + tokenizer.decode(out[0, ids.shape[1]:], skip_special_tokens=True)


def test_text_is_the_models_sample_and_continues_the_prompt(char_lstm_dir, capsys):
    code, out, _ = run(capsys, char_lstm_dir, "--prompt", "To be", "--max_new_tokens", 60, "--seed", 3,
                       "--temperature", 0.7)
    assert code == 0
    want = expected_text(char_lstm_dir, "To be", 60, 3, do_sample=True, temperature=0.7, top_k=0, top_p=1.0)
    assert out == want + "\n" and out.startswith("To be") and len(want) > len("To be") + 20
    code, greedy, _ = run(capsys, char_lstm_dir, "--prompt", "To be", "--max_new_tokens", 30, "--greedy")
    assert greedy == expected_text(char_lstm_dir, "To be", 30, 0, do_sample=False) + "\n"


def test_several_samples_differ_and_are_headed(char_lstm_dir, capsys):
    code, out, _ = run(capsys, char_lstm_dir, "--prompt", "Or ", "--max_new_tokens", 40, "--num_samples", 2,
                       "--temperature", 1.5)
    assert code == 0
    parts = out.split("----- sample 2 -----\n")
    assert parts[0].startswith("----- sample 1 -----\nOr ") and parts[1].startswith("Or ")
    assert parts[0].split("\n", 1)[1].strip() != parts[1].strip()


@pytest.mark.parametrize("argv, message", [
    (["--temperature", "0"], "use --greedy"),
    (["--num_samples", "0"], "--num_samples must be >= 1"),
    (["--temperature", "-1"], "--temperature must be > 0"),
    (["--num_images", "4"], "--num_images does not apply"),
])
def test_bad_text_options_exit_2(char_lstm_dir, capsys, argv, message):
    code, out, err = run(capsys, char_lstm_dir, *argv)
    assert code == 2 and message in one_line(err) and out == ""


@pytest.mark.parametrize("argv, message", [
    (["--num_images", "0"], "--num_images must be >= 1 (got 0)"),
    (["--max_new_tokens", "0"], "--max_new_tokens must be >= 1 (got 0)"),
    (["--top_p", "1.5"], "--top_p must be in (0, 1] (got 1.5)"),
    (["--scale", "100"], "--scale must be in 1..16 (got 100)"),
    (["--seed", "-1"], "--seed must be in [0, 2**64) (got -1)"),
    (["--labels", "1", "2", "--num_images", "3"], "--labels takes one class for all images or one per image (3)"),
    (["--num_imagez", "3"], "unrecognized arguments: --num_imagez 3 (did you mean --num_images?); "
                            "`classicnets generate --help` lists every option."),
    (["--nrow", "x"], "--nrow: invalid int value: 'x'; `classicnets generate --help` lists every option."),
])
def test_options_are_checked_when_parsed_in_one_line(tmp_path, capsys, argv, message):
    """Before the checkpoint is even looked for (it does not exist here), in one line without argparse's usage."""
    code, out, err = run(capsys, tmp_path / "no-such-run", *argv)
    assert code == 2 and out == ""
    assert one_line(err).startswith(message), err


def test_huge_max_new_tokens_streams_at_once(char_lstm_dir, tmp_path):
    """--max_new_tokens 10**9 starts printing straight away (a streamer, not one decode at the end)."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "classicnets", "generate", str(char_lstm_dir), "--prompt", "To be",
                             "--max_new_tokens", "1000000000"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            env=env, cwd=tmp_path)
    try:
        text, deadline = b"", time.monotonic() + 120
        while len(text) < 200 and time.monotonic() < deadline:
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                break
            text += chunk
        assert proc.poll() is None, "generation ended: it should still be running towards 10**9 characters"
        assert text.startswith(b"To be") and len(text) >= 200
    finally:
        proc.kill()
        proc.communicate()


def read_png(path) -> np.ndarray:
    with Image.open(path) as image:
        assert image.format == "PNG"
        return np.asarray(image.convert("L"), dtype=np.float32) / 255


def test_gan_writes_a_grid_and_single_images(gan_dir, tmp_path, capsys):
    code, out, _ = run(capsys, gan_dir, "--num_images", 6, "--seed", 5, "--nrow", 3, "--output", tmp_path / "g.png",
                       "--output_dir", tmp_path / "each")
    assert code == 0 and "g.png" in out
    grid = read_png(tmp_path / "g.png")
    assert grid.shape == (2 * 30 + 2, 3 * 30 + 2)  # 2 rows x 3 columns of 28px images, 2px apart
    files = sorted((tmp_path / "each").glob("image_*.png"))
    assert [f.name for f in files] == [f"image_{i:04d}.png" for i in range(6)]
    want = GANModel.from_pretrained(gan_dir).generate(6, seed=5, output_type="np")[..., 0]  # (6, 28, 28)
    singles = np.stack([read_png(f) for f in files])
    assert np.abs(singles - want).max() <= 1 / 255 + 1e-6  # the model's images, rounded to 8 bits
    assert np.abs(grid[2:30, 2:30] - singles[0]).max() == 0 and singles.std() > 0.05


def test_gan_seed_changes_the_images_and_labels_pick_digits(gan_dir, gan_conditional_dir, tmp_path, capsys):
    for seed in (0, 1):
        assert run(capsys, gan_dir, "--num_images", 4, "--seed", seed, "--output", tmp_path / f"s{seed}.png")[0] == 0
    assert not np.array_equal(read_png(tmp_path / "s0.png"), read_png(tmp_path / "s1.png"))
    code, _, _ = run(capsys, gan_conditional_dir, "--num_images", 3, "--labels", 1, 2, 3, "--output_dir",
                     tmp_path / "digits")
    assert code == 0
    want = GANModel.from_pretrained(gan_conditional_dir).generate(3, seed=0, labels=[1, 2, 3], output_type="np")
    got = np.stack([read_png(f) for f in sorted((tmp_path / "digits").glob("*.png"))])
    assert np.abs(got - want[..., 0]).max() <= 1 / 255 + 1e-6
    assert (not (tmp_path / "samples.png").exists()) and (tmp_path / "digits").is_dir()


def test_gan_default_output_is_samples_png(gan_dir, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, gan_dir, "--num_images", 2)
    assert code == 0 and read_png(tmp_path / "samples.png").shape == (32, 62)


@pytest.mark.parametrize("argv, code, message", [
    (["--labels", "3"], 2, "unconditional: it takes no --labels"),
    (["--prompt", "hi", "--greedy"], 2, "--prompt, --greedy do not apply"),
    (["--num_images", "0"], 2, "--num_images must be >= 1"),
    (["--num_images", "3", "--labels", "1", "2"], 2, "one per image (3) (got 2)"),
    (["--labels", "1", "2"], 2, "one per image (16) (got 2)"),  # the default --num_images
])
def test_bad_image_options(gan_dir, capsys, argv, code, message):
    got, out, err = run(capsys, gan_dir, *argv)
    assert got == code and message in one_line(err) and out == ""


def test_conditional_labels_out_of_range(gan_conditional_dir, capsys):
    code, _, err = run(capsys, gan_conditional_dir, "--labels", "12")
    assert code == 2 and "--labels must be classes 0..9 (got [12])" in one_line(err)


@pytest.mark.parametrize("argv", [["--num_images", "1025"], ["--num_images", "5000", "--output", "g.png"],
                                  ["--num_images", "5000", "--output", "g.png", "--output_dir", "each"]])
def test_a_grid_of_more_than_1024_images_is_refused_when_parsed(tmp_path, capsys, monkeypatch, argv):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, tmp_path / "no-such-run", *argv)
    assert code == 2 and out == "" and not list(tmp_path.iterdir())
    line = one_line(err)
    assert line.startswith("--num_images is more than one grid holds (1024 images)") and "--output_dir" in line


def test_images_are_written_batch_by_batch(gan_conditional_dir, tmp_path, capsys, monkeypatch):
    """--output_dir writes each batch as it comes (memory bounded by the batch, whatever --num_images): never one
    tensor of all the images; the same seed still gives the images of `generate`."""
    want = GANModel.from_pretrained(gan_conditional_dir).generate(11, seed=4, labels=7, output_type="np")[..., 0]
    sizes, batches = [], GANModel.generate_batches

    def recorded(self, *args, **kwargs):
        for batch in batches(self, *args, **kwargs):
            sizes.append(len(batch))
            yield batch

    monkeypatch.setattr(generate, "BATCH_SIZE", 4)
    monkeypatch.setattr(GANModel, "generate_batches", recorded)
    monkeypatch.setattr(GANModel, "generate", lambda *a, **k: pytest.fail("all images at once"))
    code, out, err = run(capsys, gan_conditional_dir, "--num_images", 11, "--seed", 4, "--labels", 7,
                         "--output_dir", tmp_path / "each", "--output", tmp_path / "grid.png", "--nrow", 11)
    assert code == 0, err
    assert sizes == [4, 4, 3] and "wrote 11 images" in out
    got = np.stack([read_png(f) for f in sorted((tmp_path / "each").glob("image_*.png"))])
    assert got.shape == (11, 28, 28) and np.abs(got - want).max() <= 1 / 255 + 1e-6
    assert np.array_equal(read_png(tmp_path / "grid.png")[2:30, 2 + 30 * 10 : 30 * 11], got[10])


def test_an_output_dir_that_is_a_file(gan_dir, tmp_path, capsys):
    (tmp_path / "taken").write_text("x")
    code, _, err = run(capsys, gan_dir, "--num_images", 2, "--output_dir", tmp_path / "taken")
    assert code == 2 and one_line(err) == f"--output_dir {tmp_path / 'taken'} is a file, not a folder"


def test_a_python_caller_gets_the_exception(tmp_path):
    with pytest.raises(OptionError, match="--num_images must be >= 1") as info:
        main(["generate", str(tmp_path), "--num_images", "0"])
    assert info.value.exit_code == 2


def test_unusable_checkpoints_fail_in_one_line(sst2_dir, tmp_path, capsys):
    cases = [
        (sst2_dir, "holds a Transformer text classifier", "classicnets classify"),
        (tmp_path / "missing", "No such folder or Hub repo", "missing"),
        (tmp_path, "has no config.json", "holds no saved model"),
        ("not-a-folder", "No such folder or Hub repo", "org/name"),
    ]
    for target, *needles in cases:
        code, out, err = run(capsys, target)
        assert code == 1 and out == "", err
        assert all(n in one_line(err) for n in needles), err
    (tmp_path / "a-file.txt").write_text("x")
    assert "is a file" in run(capsys, tmp_path / "a-file.txt")[2]
