"""Pushing a whole run folder, as `classicnets train --output_dir RUN` leaves it: the model, its card, pictures,
samples and metrics go up; the training state (checkpoints/, *.tmp, the lock, TensorBoard logs) stays local;
links, pickles under any name, corrupt safetensors and absolute local paths are refused before anything is sent,
by `push_checkpoint` and by `classicnets push` (exit 1, one line on stderr)."""

import io
import json
import os
import pickle
import random
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from huggingface_hub import constants

from classicnets.cli import main as cli_main
from classicnets.hub import HubError, push_checkpoint
from classicnets.hub.push import _pickle_kind

from .conftest import tree_fingerprint

pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")  # inside huggingface_hub

PUBLISHED = {"README.md", "loss_curve.png", "samples.txt", "metrics.json", "metrics.jsonl"}  # besides the model


def torch_bytes(obj, **kwargs) -> bytes:
    buffer = io.BytesIO()
    torch.save(obj, buffer, **kwargs)
    return buffer.getvalue()


def write_training_state(folder: Path, model, step: int, run: Path) -> None:
    """What accelerate's save_state (and our engine) write: safetensors weights, and pickles for the rest."""
    folder.mkdir(parents=True)
    shutil.copy(run / "model.safetensors", folder / "model.safetensors")
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model(torch.tensor([[1, 2, 3]]), labels=torch.tensor([[1, 2, 3]])).loss.backward()
    optimizer.step()
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: 1.0)
    (folder / "optimizer.bin").write_bytes(torch_bytes(optimizer.state_dict()))
    (folder / "scheduler.bin").write_bytes(torch_bytes(scheduler.state_dict()))
    states = {"step": step, "random_state": random.getstate(), "numpy_random_seed": np.random.get_state(),
              "torch_manual_seed": torch.get_rng_state()}
    (folder / "random_states_0.pkl").write_bytes(pickle.dumps(states))
    (folder / "custom_checkpoint_0.pkl").write_bytes(torch_bytes({"ema": {"decay": 0.999}, "step": step}))
    (folder / "engine_state.json").write_text(json.dumps({"global_step": step, "output_dir": str(run)}))


@pytest.fixture
def run_folder(tmp_path):
    """A char-LSTM run folder: (folder, the files that must reach the Hub)."""
    from PIL import Image

    from classicnets import CharLSTMConfig, CharLSTMForCausalLM, CharTokenizer

    torch.manual_seed(0)
    tokenizer = CharTokenizer.from_corpus("abc def")
    model = CharLSTMForCausalLM(CharLSTMConfig.from_preset("tiny", vocab_size=len(tokenizer)))
    run = tmp_path / "outputs" / "char-lstm"
    model.save_pretrained(run)
    tokenizer.save_pretrained(run)
    model_files = {p.name for p in run.iterdir()}
    assert {"model.safetensors", "config.json", "modeling_char_lstm.py"} <= model_files
    (run / "README.md").write_text("---\nlicense: apache-2.0\nlibrary_name: classicnets\n---\n# char-lstm\n\n"
                                   "![loss](loss_curve.png)\n\nTrained with `classicnets train char-lstm "
                                   "--output_dir outputs/char-lstm`.\n")
    Image.new("RGB", (8, 8), (30, 30, 200)).save(run / "loss_curve.png")
    (run / "samples.txt").write_text("cab fed\n")
    (run / "metrics.json").write_text(json.dumps({"global_step": 2000, "final": {"loss": 1.5},
                                                  "training_arguments": {"output_dir": "outputs/char-lstm"}}))
    (run / "metrics.jsonl").write_text('{"step": 1000, "loss": 2.0}\n{"step": 2000, "loss": 1.5}\n')
    # Training state and scratch: none of it may leave the machine (and none of it is even read).
    write_training_state(run / "checkpoints" / "checkpoint-1000", model, 1000, run)
    write_training_state(run / "checkpoints" / "checkpoint-2000.tmp", model, 2000, run)
    write_training_state(run / "checkpoint-500", model, 500, run)  # a Trainer-style checkpoint folder
    (run / ".classicnets.lock").write_text(f"{os.getpid()}\n")
    (run / ".classicnets-run.json").write_text('{"entries": ["model.safetensors"], "finished": true}')
    (run / "metrics.json.tmp").write_text("{")
    tensorboard = run / "char-lstm"  # accelerate's TensorBoard tracker: RUN/<project>/events + hparams.yml
    (tensorboard / "1700000000").mkdir(parents=True)
    (tensorboard / "events.out.tfevents.1700000000.host.1.0").write_bytes(b"\x18\x00\x00\x00brain.Event:2")
    (tensorboard / "1700000000" / "events.out.tfevents.1700000001.host.1.1").write_bytes(b"\x18\x00hparams")
    (tensorboard / "1700000000" / "hparams.yml").write_text(f"output_dir: {run}\nlearning_rate: 0.002\n")
    return run, model_files | PUBLISHED


@pytest.fixture
def no_xet(monkeypatch):
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", True)


def test_a_run_folder_goes_up_without_its_training_state(loopback_hub, run_folder, no_xet):
    run, expected = run_folder
    before = tree_fingerprint(run)
    repo = f"{loopback_hub.user}/run-folder"
    info = push_checkpoint(run, repo, token=loopback_hub.token, endpoint=loopback_hub.url)
    files = loopback_hub.list_files(repo)
    assert set(files) == expected | {".gitattributes"}
    for name in expected:
        assert files[name] == (run / name).read_bytes(), name
    assert loopback_hub.list_files(repo, info.oid) == files
    assert loopback_hub.commit_count(repo) == 2  # the repo's initial commit + the whole run, in one commit
    assert tree_fingerprint(run) == before


def test_classicnets_push_of_a_run_folder_from_the_command_line(loopback_hub, run_folder, tmp_path):
    """The real console script, configured the way the engine's push is (HF_ENDPOINT, HF_TOKEN)."""
    run, expected = run_folder
    repo = f"{loopback_hub.user}/run-folder-cli"
    script = Path(sys.executable).parent / "classicnets"
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "classicnets"]
    proc = subprocess.run([*cmd, "push", str(run.relative_to(tmp_path)), repo], cwd=tmp_path, text=True,
                          capture_output=True, env=loopback_hub.client_env(tmp_path / "hf-home"), timeout=300)
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert set(loopback_hub.list_files(repo)) == expected | {".gitattributes"}
    assert loopback_hub.token not in proc.stdout + proc.stderr


# --------------------------------------------------------------------------------------------------------------
# Refused before anything is sent
# --------------------------------------------------------------------------------------------------------------


def link_to_a_private_key(run: Path):
    key = run.parent / "id_ed25519"
    key.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nsecret\n")
    (run / "id_ed25519.txt").symlink_to(key)
    return "id_ed25519.txt", "symbolic link"


def link_to_a_folder_outside(run: Path):
    private = run.parent / "private"
    private.mkdir()
    (private / "notes.md").write_text("secret\n")
    (run / "extra").symlink_to(private, target_is_directory=True)
    return "extra", "symbolic link"


def link_inside_the_folder(run: Path):
    (run / "card.md").symlink_to("README.md")  # refused too: every link is (see push.py's docstring)
    return "card.md", "symbolic link"


def renamed_optimizer_state(run: Path):
    shutil.copy(run / "checkpoints" / "checkpoint-1000" / "optimizer.bin", run / "x.safetensors.txt")
    return "x.safetensors.txt", "torch.save archive"


def renamed_rng_state(run: Path):
    shutil.copy(run / "checkpoints" / "checkpoint-1000" / "random_states_0.pkl", run / "notes.txt")
    return "notes.txt", "protocol 4 pickle"


def protocol_0_pickle_as_json(run: Path):
    (run / "extra.json").write_bytes(pickle.dumps({"a": [1, 2.5, "x"]}, protocol=0))
    return "extra.json", "protocol 0/1 pickle"


def numpy_objects_as_data(run: Path):
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    (run / "samples.dat").write_bytes(buffer.getvalue())
    return "samples.dat", "numpy array of Python objects"


def garbage_safetensors(run: Path):
    (run / "model.safetensors").write_bytes(b"this is not a safetensors file")
    return "model.safetensors", "corrupt safetensors"


def truncated_safetensors(run: Path):
    data = (run / "model.safetensors").read_bytes()
    (run / "model.safetensors").write_bytes(data[:-16])
    return "model.safetensors", "data_offsets"


def pickle_named_safetensors(run: Path):
    shutil.copy(run / "checkpoints" / "checkpoint-1000" / "random_states_0.pkl", run / "model.safetensors")
    return "model.safetensors", "corrupt safetensors"


def folder_path_in_the_card(run: Path):
    with open(run / "README.md", "a") as card:
        card.write(f"\nCheckpoints are in {run.resolve()}/checkpoints.\n")
    return "README.md line 11", f"{run.resolve()} (the folder being pushed)"


def weights_only_in_checkpoints(run: Path):
    (run / "model.safetensors").unlink()  # the final model was never saved: checkpoints/ does not count
    return str(run), "No safetensors weights"


REFUSALS = [link_to_a_private_key, link_to_a_folder_outside, link_inside_the_folder, renamed_optimizer_state,
            renamed_rng_state, protocol_0_pickle_as_json, numpy_objects_as_data, garbage_safetensors,
            truncated_safetensors, pickle_named_safetensors, folder_path_in_the_card, weights_only_in_checkpoints]


@pytest.mark.parametrize("spoil", REFUSALS, ids=lambda f: f.__name__)
def test_refused_with_its_name_and_nothing_sent(loopback_hub, run_folder, no_xet, capsys, monkeypatch, spoil):
    run, _ = run_folder
    name, words = spoil(run)
    repo = f"{loopback_hub.user}/refused-{spoil.__name__.replace('_', '-')}"
    with pytest.raises(HubError) as err:
        push_checkpoint(run, repo, token=loopback_hub.token, endpoint=loopback_hub.url)
    assert err.value.reason == "checkpoint"
    assert name in str(err.value) and words in str(err.value), str(err.value)
    # as the program runs it (argv from sys.argv): one line, exit 1; a Python caller of main(argv) gets the error
    monkeypatch.setattr(sys, "argv", ["classicnets", "push", str(run), repo, "--token", loopback_hub.token,
                                      "--endpoint", loopback_hub.url])
    monkeypatch.delenv("CLASSICNETS_DEBUG", raising=False)
    code = cli_main()
    stderr = capsys.readouterr().err
    assert code == 1
    assert stderr.startswith("classicnets push: error: ") and stderr.count("\n") == 1 and name in stderr, stderr
    assert not loopback_hub.repo_exists(repo)  # refused before the repo was even created


@pytest.mark.parametrize("where", ["cwd", "home"])
def test_current_and_home_directories_are_local_paths_too(loopback_hub, run_folder, monkeypatch, tmp_path, where):
    run, _ = run_folder
    elsewhere = tmp_path / "somewhere-else"
    elsewhere.mkdir()
    if where == "cwd":
        monkeypatch.chdir(elsewhere)
    else:
        monkeypatch.setenv("HOME", str(elsewhere))
    (run / "samples.txt").write_text(f"cab fed\nsaved from {elsewhere}/data/input.txt\n")
    with pytest.raises(HubError, match="samples.txt line 2") as err:
        push_checkpoint(run, f"{loopback_hub.user}/never", token=loopback_hub.token, endpoint=loopback_hub.url)
    assert str(elsewhere) in str(err.value)
    assert ("current directory" if where == "cwd" else "home directory") in str(err.value)


def test_paths_that_only_look_alike_are_not_local(loopback_hub, run_folder, no_xet):
    """A sibling (`/x/run2`), a relative path and another machine's path are fine."""
    run, _ = run_folder
    (run / "samples.txt").write_text(f"see {run}2/notes and {run}.bak, outputs/char-lstm, /data/corpus.txt\n")
    repo = f"{loopback_hub.user}/look-alike"
    push_checkpoint(run, repo, token=loopback_hub.token, endpoint=loopback_hub.url)
    assert loopback_hub.list_files(repo)["samples.txt"] == (run / "samples.txt").read_bytes()


# --------------------------------------------------------------------------------------------------------------
# Pickle by content
# --------------------------------------------------------------------------------------------------------------


def npy_bytes(array, **kwargs) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, **kwargs)
    return buffer.getvalue()


def npz_bytes(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def safetensors_with_header_size(size: int) -> bytes:
    """A valid safetensors file whose 8-byte header size starts like a pickle (0x80, 0x03 for size 0x380)."""
    header = {"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "__metadata__": {"pad": ""}}
    header["__metadata__"]["pad"] = "x" * (size - len(json.dumps(header)))
    raw = json.dumps(header).encode()
    assert len(raw) == size
    return struct.pack("<Q", size) + raw + b"\0" * 4


PICKLES = {f"protocol-{p}": pickle.dumps({"a": [1, 2.5, "x"], "b": None}, protocol=p) for p in range(6)}
PICKLES.update({
    "protocol-0-large": pickle.dumps(list(range(200_000)), protocol=0),  # longer than the 1 MiB parsed
    "protocol-1-list": pickle.dumps([1, 2, 3], protocol=1),
    "torch-zip": torch_bytes({"w": torch.ones(3)}),
    "torch-legacy": torch_bytes({"w": torch.ones(3)}, _use_new_zipfile_serialization=False),
    "npy-objects": npy_bytes(np.array([{"a": 1}, None], dtype=object), allow_pickle=True),
    "npz-objects": npz_bytes(a=np.array([1, None], dtype=object)),
})
NOT_PICKLES = {
    "text-paren": b"(a) first point\n(b) second\n",
    "text-c": b"citizen:\nfirst\nsecond\n",
    "text-N": b"No.\n",
    "json": b'{"a": [1, 2]}',
    "empty": b"",
    "npy-floats": npy_bytes(np.zeros(3)),
    "npz-floats": npz_bytes(a=np.zeros(2)),
    "png": b"\x89PNG\r\n\x1a\n" + b"\0" * 32,
    "safetensors-0x80-0x03": safetensors_with_header_size(0x380),
}


@pytest.mark.parametrize("kind", list(PICKLES) + list(NOT_PICKLES))
def test_pickle_by_content(tmp_path, kind):
    path = tmp_path / "file.dat"
    path.write_bytes(PICKLES.get(kind, NOT_PICKLES.get(kind)))
    assert (_pickle_kind(path) is not None) == (kind in PICKLES), _pickle_kind(path)
