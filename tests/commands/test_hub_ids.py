"""`classicnets generate / classify` on Hub ids, against the loopback Hub (each command in its own process:
huggingface_hub reads HF_ENDPOINT when it is imported)."""

import json
import socket
import subprocess
import sys
import time
import urllib.request

import numpy as np
import pytest
from PIL import Image

from classicnets.commands import main
from classicnets.testing import LoopbackHub

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def hub():
    server = LoopbackHub().start()
    yield server
    server.stop()


def start(env, cwd, *argv):
    return subprocess.Popen([sys.executable, "-m", "classicnets", *map(str, argv)], env=env, cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(proc, timeout=300):
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def test_commands_take_hub_ids(hub, char_lstm_dir, sst2_dir, gan_dir, tmp_path, capsys):
    env = {**hub.client_env(tmp_path / "hf_home"), "OMP_NUM_THREADS": "1"}
    org = hub.user
    upload = ("import sys\nfrom huggingface_hub import HfApi\napi = HfApi()\n"
              "for repo, folder in zip(sys.argv[1::2], sys.argv[2::2]):\n"
              "    api.create_repo(repo)\n    api.upload_folder(repo_id=repo, folder_path=folder)\n")
    subprocess.run([sys.executable, "-c", upload, f"{org}/char", char_lstm_dir, f"{org}/sst2", sst2_dir,
                    f"{org}/gan", gan_dir], env=env, check=True, capture_output=True, timeout=300)

    runs = {
        "text": start(env, tmp_path, "generate", f"{org}/char", "--prompt", "To be", "--max_new_tokens", 40),
        "labels": start(env, tmp_path, "classify", f"{org}/sst2", "a funny film .", "--json"),
        "images": start(env, tmp_path, "generate", f"{org}/gan", "--num_images", 4, "--output", "hub.png"),
        "missing": start(env, tmp_path, "generate", f"{org}/no-such-model"),
        "wrong": start(env, tmp_path, "classify", f"{org}/gan", "hello"),
    }
    results = {name: finish(proc) for name, proc in runs.items()}

    code, out, err = results["text"]
    assert code == 0, err
    assert main(["generate", str(char_lstm_dir), "--prompt", "To be", "--max_new_tokens", "40"]) == 0
    assert out == capsys.readouterr().out and out.startswith("To be")  # the same model, the same seed

    code, out, err = results["labels"]
    assert code == 0, err
    row = json.loads(out)
    assert row["text"] == "a funny film ." and row["label"] in ("negative", "positive")

    code, out, err = results["images"]
    assert code == 0, err
    with Image.open(tmp_path / "hub.png") as image:
        assert image.size == (4 * 30 + 2, 32) and np.asarray(image).std() > 0

    for name, needle in (("missing", "No such folder or Hub repo"), ("wrong", "holds a GAN image generator")):
        code, out, err = results[name]
        assert code == 1 and out == "" and needle in err, err
        assert "Repo id must be" not in err and "Traceback" not in err

    # the web demo, and the Space written for the Hub id, both serve the model loaded by id
    demo_port, space_port = free_port(), free_port()
    demo = start(env, tmp_path, "demo", f"{org}/gan", "--port", demo_port)
    code, out, err = finish(start(env, tmp_path, "space", f"{org}/gan", "--output_dir", tmp_path / "space"))
    assert code == 0, err
    app = subprocess.Popen([sys.executable, "app.py"], cwd=tmp_path / "space", stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True,
                           env={**env, "GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_SERVER_PORT": str(space_port)})
    try:
        assert page_title(demo, demo_port) == "MNIST GAN: gan"
        assert page_title(app, space_port) == "gan demo"
    finally:
        for proc in (demo, app):
            proc.kill()
            proc.communicate()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def page_title(proc, port: int, timeout: float = 240) -> str:
    """The title in the Gradio app's /config once `proc` serves it on 127.0.0.1:`port`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the server exited with {proc.returncode}: {proc.communicate()[1][-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/config", timeout=5) as response:
                return json.load(response)["title"]
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"nothing served on port {port} after {timeout} s")
