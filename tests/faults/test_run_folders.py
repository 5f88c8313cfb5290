"""Nothing lost, nothing executed: what a run does to its output folder and to a checkpoint it resumes from.

Each test starts from a copy of one tiny trained char-LSTM run (4 steps, checkpoints at 2 and 4)."""

import json
import os
import pickle
import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from classicnets.training import checkpointing
from classicnets.training.run_lock import RunLock

from ..training.helpers import run_train, tiny_char_lstm_args


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("trained")
    run_train(tiny_char_lstm_args(root, root / "run", max_steps=4, save_steps=2, sample_chars=0))
    return root


@pytest.fixture
def run(trained, tmp_path):
    """A private copy of the trained run, with the corpus beside it (as tiny_char_lstm_args expects)."""
    shutil.copytree(trained, tmp_path, dirs_exist_ok=True)
    return tmp_path / "run"


def _train(run, check=False, **options):
    base = {"max_steps": 4, "save_steps": 2, "sample_chars": 0, **options}
    return run_train(tiny_char_lstm_args(run.parent, run, **base), check=check)


def _snapshot(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
            and p.name != checkpointing.LOCK_FILE}


def test_a_second_run_into_a_folder_being_written_is_refused_naming_the_holder(run):
    before = _snapshot(run)
    lock = RunLock(run).acquire()  # this process plays the first run
    try:
        proc = _train(run, resume_from_checkpoint="latest", max_steps=6)
    finally:
        lock.release()
    assert proc.returncode != 0
    assert "is being written by another run" in proc.stderr and f"process {os.getpid()}" in proc.stderr
    assert _snapshot(run) == before


def test_a_saved_model_is_not_overwritten_without_the_flag(tmp_path, trained):
    model = tmp_path / "model"
    model.mkdir()
    for name in ("model.safetensors", "config.json", "README.md"):  # what save_pretrained or a Hub download gives
        shutil.copy(trained / "run" / name, model / name)
    before = _snapshot(model)
    proc = _train(model)
    assert proc.returncode != 0 and "already holds a saved model" in proc.stderr
    assert _snapshot(model) == before


def test_overwrite_keeps_the_old_run_until_the_new_one_is_saved(run):
    before = _snapshot(run)
    proc = _train(run, overwrite_output_dir=True, validation_file=run.parent / "missing.txt")
    assert proc.returncode != 0  # the input is wrong: the old run must still be there, whole
    assert _snapshot(run) == before
    _train(run, check=True, overwrite_output_dir=True, max_steps=3, save_steps=0)
    assert [p.name for p in checkpointing.completed_checkpoints(run)] == ["checkpoint-3"]
    assert not list(run.glob(".replaced-*"))  # the old run is gone only now


def test_overwrite_never_touches_files_no_run_writes(run):
    (run / "my-data").mkdir()
    (run / "my-data" / "corpus.bin").write_bytes(b"\x00\x01")
    before = _snapshot(run)
    proc = _train(run, overwrite_output_dir=True)
    assert proc.returncode != 0 and "holds files that no classicnets run writes (my-data)" in proc.stderr
    assert _snapshot(run) == before


def test_resuming_a_finished_run_trains_no_step_past_its_end(run):
    weights = load_file(run / "model.safetensors")
    proc = _train(run, check=True, resume_from_checkpoint="latest")
    assert "Stopping: reached 4 steps" in proc.stdout
    assert [p.name for p in checkpointing.completed_checkpoints(run)] == ["checkpoint-2", "checkpoint-4"]
    again = load_file(run / "model.safetensors")
    assert all(torch.equal(weights[k], again[k]) for k in weights)


def test_a_torn_last_metrics_line_is_dropped_and_the_run_resumes(run):
    with (run / checkpointing.METRICS_LOG).open("a") as f:
        f.write('{"kind": "train", "step": 5, "lo')  # killed mid-write
    proc = _train(run, check=True, resume_from_checkpoint="latest", max_steps=6)
    assert "not a whole record" in proc.stderr
    records = [json.loads(line) for line in (run / checkpointing.METRICS_LOG).read_text().splitlines()]
    assert max(r["step"] for r in records) == 6


class _Payload:
    """Unpickling this writes a file: the proof that a checkpoint ran code."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.mark.parametrize("target", ["custom_checkpoint_0.pkl", "optimizer.bin", "random_states_0.pkl"])
def test_resume_executes_nothing_from_the_checkpoint(run, tmp_path, target):
    marker = tmp_path / "pwned"
    checkpoint = checkpointing.completed_checkpoints(run)[-1]
    with open(checkpoint / target, "wb") as f:
        pickle.dump({"state": _Payload(marker)}, f)
    proc = _train(run, resume_from_checkpoint="latest", max_steps=6)
    assert not marker.exists(), proc.stderr[-2000:]
    # Refused, with the reason, in one line (custom_checkpoint_0.pkl: once accelerate's 27-line traceback).
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert "refused rather than" in proc.stderr.strip().splitlines()[-1]
    if target == "custom_checkpoint_0.pkl":
        assert f"{checkpoint} holds custom_checkpoint_0.pkl, which classicnets never writes" in proc.stderr


def test_leftovers_of_a_killed_run_are_removed_when_it_resumes(run):
    root = checkpointing.checkpoints_dir(run)
    (root / "checkpoint-6.tmp").mkdir()
    (root / "checkpoint-1.deleting").mkdir()
    (root / "checkpoint-3").mkdir()  # half-written: no engine_state.json
    proc = _train(run, check=True, resume_from_checkpoint="latest", max_steps=4)
    assert "checkpoint-1.deleting, checkpoint-3, checkpoint-6.tmp" in proc.stdout
    assert sorted(p.name for p in root.iterdir()) == ["checkpoint-2", "checkpoint-4"]


def test_resuming_with_another_recipe_is_a_clear_error(run):
    state_file = checkpointing.completed_checkpoints(run)[-1] / checkpointing.ENGINE_STATE
    state_file.write_text(json.dumps({**json.loads(state_file.read_text()), "recipe": "gan-mnist"}))
    proc = _train(run, resume_from_checkpoint="latest", max_steps=6)
    assert proc.returncode != 0 and "was written by the gan-mnist recipe, not char-lstm" in proc.stderr


def test_what_leaves_the_machine_holds_no_absolute_path(run):
    _train(run.resolve(), check=True, overwrite_output_dir=True, max_steps=2, save_steps=0)  # absolute paths
    for name in ("metrics.json", "README.md"):
        text = (run / name).read_text()
        assert str(run.parent.resolve()) not in text and str(run.resolve()) not in text, name


@pytest.mark.parametrize("where", ["parent", "member"])
def test_ensemble_never_lands_on_a_member_or_its_parent(run, where):
    """`classicnets ensemble RUN --output_dir PARENT --overwrite_output_dir` used to delete the whole folder."""
    from classicnets.cli import main

    (run.parent / "unrelated.txt").write_text("keep me")
    out = run.parent if where == "parent" else run
    before = _snapshot(run.parent)
    with pytest.raises(FileExistsError, match="member run"):
        main(["ensemble", str(run), "--output_dir", str(out), "--overwrite_output_dir"])
    assert _snapshot(run.parent) == before


def test_ensemble_overwrite_replaces_only_an_earlier_ensemble(run, tmp_path):
    from classicnets.cli import main

    out = tmp_path / "not-an-ensemble"
    shutil.copytree(run, out)  # a char-LSTM run: not something `classicnets ensemble` wrote
    before = _snapshot(out)
    with pytest.raises(FileExistsError, match="only replaces an earlier ensemble"):
        main(["ensemble", str(run), "--output_dir", str(out), "--overwrite_output_dir"])
    assert _snapshot(out) == before


def test_a_kill_during_rotation_leaves_only_finished_checkpoints(tmp_path, monkeypatch):
    """Killed while deleting an old checkpoint: the damaged folder is never a checkpoint, and goes at the next
    start (the kill during writing, `.tmp`, is tests/training/test_resume.py::test_interrupted_checkpoint...)."""
    for step in (1, 2):
        checkpointing.temporary_path(tmp_path, step).mkdir(parents=True)
        checkpointing.finalize(tmp_path, step, {"global_step": step}, keep=2)

    def killed(path, *args, **kwargs):
        (path / checkpointing.ENGINE_STATE).unlink()  # half-deleted when the kill comes
        raise KeyboardInterrupt

    monkeypatch.setattr(checkpointing.shutil, "rmtree", killed)
    checkpointing.temporary_path(tmp_path, 3).mkdir()
    with pytest.raises(KeyboardInterrupt):
        checkpointing.finalize(tmp_path, 3, {"global_step": 3}, keep=2)
    monkeypatch.undo()
    assert [p.name for p in checkpointing.completed_checkpoints(tmp_path)] == ["checkpoint-2", "checkpoint-3"]
    assert checkpointing.resolve_checkpoint(tmp_path, "latest").name == "checkpoint-3"
    assert checkpointing.remove_leftovers(tmp_path) == ["checkpoint-1.deleting"]


def test_resuming_on_another_corpus_is_a_clear_error(run):
    other = run.parent / "other.txt"
    other.write_text("xyz" * 500, encoding="utf-8")  # another alphabet: another vocabulary size
    proc = _train(run, resume_from_checkpoint="latest", max_steps=6, train_file=other, validation_file=other)
    assert proc.returncode == 1 and "holds a model of another shape" in proc.stderr
    assert "Traceback" not in proc.stderr


# --- provenance: what --overwrite_output_dir replaces, what it never touches ----------------------------------


def test_resuming_from_another_folder_never_overwrites_a_saved_model(run, tmp_path):
    """--resume_from_checkpoint OTHER_RUN/checkpoints/checkpoint-2 into a folder holding a saved model: refused as
    a fresh run would be (it used to skip the check and replace the model); into an empty folder it runs."""
    model = tmp_path / "model"
    model.mkdir()
    for name in ("model.safetensors", "config.json", "README.md"):
        shutil.copy(run / name, model / name)
    before = _snapshot(model)
    foreign = checkpointing.checkpoints_dir(run) / "checkpoint-2"
    proc = _train(model, resume_from_checkpoint=foreign)
    assert proc.returncode == 1 and "already holds a saved model" in proc.stderr, proc.stderr[-2000:]
    assert _snapshot(model) == before
    fresh = tmp_path / "fresh"
    done = _train(fresh, check=True, resume_from_checkpoint=foreign)
    assert f"Resumed from {foreign} at step 2" in done.stdout
    assert [p.name for p in checkpointing.completed_checkpoints(fresh)] == ["checkpoint-4"]


def test_overwrite_never_touches_the_users_own_files(run):
    """corpus.txt (the --train_file itself), prepare.py, settings.json, NOTES.md: no run wrote them, whatever their
    names, so the folder is refused (naming them) and nothing moves; they were once deleted by name pattern."""
    shutil.copy(run.parent / "train.txt", run / "corpus.txt")
    for name, text in (("prepare.py", "print('prepare')"), ("settings.json", "{}"), ("NOTES.md", "# notes")):
        (run / name).write_text(text)
    before = _snapshot(run)
    proc = _train(run, overwrite_output_dir=True, train_file=run / "corpus.txt")
    assert proc.returncode == 1, proc.stderr[-2000:]
    line = proc.stderr.strip().splitlines()[-1]
    assert "holds files that no classicnets run writes (NOTES.md, corpus.txt (this run's --train_file), " \
           "prepare.py, settings.json)" in line and "Choose another --output_dir" in line
    assert _snapshot(run) == before and not list(run.glob(".replaced-*"))


def test_a_run_lists_what_it_wrote_and_overwrite_goes_by_that_list(run):
    """The manifest lists every entry the run wrote; a file of a run's name that this run did not write
    (examples.txt: char-lstm writes none) is the user's: refused, not replaced."""
    manifest = json.loads((run / checkpointing.MANIFEST).read_text())
    written = sorted(p.name for p in run.iterdir() if p.name not in (checkpointing.LOCK_FILE, checkpointing.MANIFEST))
    assert manifest["finished"] is True and manifest["recipe"] == "char-lstm" and manifest["files"] == written
    assert {"model.safetensors", "config.json", "vocab.json", "checkpoints", "metrics.jsonl"} <= set(written)
    assert checkpointing.folder_contents(run, "char-lstm") == (written, [])
    (run / "examples.txt").write_text("my own examples")
    before = _snapshot(run)
    proc = _train(run, overwrite_output_dir=True)
    assert proc.returncode == 1 and "holds files that no classicnets run writes (examples.txt)" in proc.stderr
    assert _snapshot(run) == before


def test_a_folder_from_before_manifests_is_judged_by_exact_run_names(tmp_path):
    """No manifest: only the exact names a run writes are a run's; extensions decide nothing."""
    folder = tmp_path / "old"
    (folder / "checkpoints").mkdir(parents=True)
    (folder / "samples").mkdir()
    (folder / "samples" / "step-00003.png").write_bytes(b"png")
    run_names = ["README.md", "config.json", "configuration_char_lstm.py", "loss_curve.png", "metrics.json",
                 "metrics.jsonl", "model.safetensors", "modeling_char_lstm.py", "tokenizer_config.json", "vocab.json"]
    user_names = ["NOTES.md", "corpus.txt", "notes.png", "prepare.py", "settings.json"]
    for name in run_names + user_names:
        (folder / name).write_text("x")
    (folder / checkpointing.LOCK_FILE).write_text("")
    ours, others = checkpointing.folder_contents(folder, "char-lstm")
    assert ours == sorted([*run_names, "checkpoints", "samples"]) and others == user_names
    (folder / "samples" / "my-photo.jpg").write_bytes(b"jpg")  # samples/ then holds something no run writes
    assert "samples" in checkpointing.folder_contents(folder, "char-lstm")[1]


def test_overwrite_never_replaces_an_input_even_of_a_run_file_name(run):
    """A folder from before manifests whose samples.txt (a name char-lstm writes) is this run's --train_file."""
    (run / checkpointing.MANIFEST).unlink()
    shutil.copy(run.parent / "train.txt", run / "samples.txt")
    before = _snapshot(run)
    proc = _train(run, overwrite_output_dir=True, train_file=run / "samples.txt")
    assert proc.returncode == 1
    assert "samples.txt is this run's --train_file: --overwrite_output_dir never replaces what a run reads" \
        in proc.stderr.strip().splitlines()[-1]
    assert _snapshot(run) == before


# --- an interrupted --overwrite_output_dir run never strands nor deletes the run it was replacing ------------


class _InterruptAt:
    """An engine callback: Ctrl-C (KeyboardInterrupt) at the end of optimizer step `step`."""

    def __init__(self, step):
        self.step = step

    def on_step_end(self, run):
        if run.step == self.step:
            raise KeyboardInterrupt


def test_an_interrupted_overwrite_moves_the_earlier_run_back(run, console, monkeypatch, capsys,
                                                             fresh_accelerate_state):
    from classicnets.training.engine import Engine

    original = Engine.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.callbacks.append(_InterruptAt(1))

    monkeypatch.setattr(Engine, "__init__", init)
    before = _snapshot(run)
    args = tiny_char_lstm_args(run.parent, run, max_steps=4, save_steps=2, sample_chars=0, overwrite_output_dir=True)
    with pytest.raises(KeyboardInterrupt):
        console("train", *args)
    assert "moved the earlier run's files back" in capsys.readouterr().err
    assert _snapshot(run) == before and not list(run.glob(".replaced-*"))


def _killed_overwrite(run, keep_checkpoint: bool) -> Path:
    """What `kill -9` leaves of an --overwrite_output_dir run: the earlier run in .replaced-<stamp>/, the killed
    run's partial output beside it (metrics.jsonl, a half-written checkpoint, or a finished one)."""
    aside = run / ".replaced-20240102-030405"
    aside.mkdir()
    for entry in list(run.iterdir()):
        if entry != aside and entry.name != checkpointing.LOCK_FILE:
            entry.rename(aside / entry.name)
    (run / "metrics.jsonl").write_text('{"kind": "train", "step": 2, "loss": 3.0}\n')
    root = checkpointing.checkpoints_dir(run)
    root.mkdir()
    shutil.copytree(aside / "checkpoints" / "checkpoint-2", root / ("checkpoint-2" if keep_checkpoint else
                                                                    "checkpoint-2.tmp"))
    return aside


def test_a_run_set_aside_by_a_killed_overwrite_is_restored_at_the_next_start(run):
    before = _snapshot(run)
    aside = _killed_overwrite(run, keep_checkpoint=False)
    proc = _train(run)  # no flag: the earlier run comes back, then the folder is refused as holding a run
    assert f"Restored the earlier run that an interrupted --overwrite_output_dir run had set aside in {aside.name}" \
        in proc.stdout
    assert proc.returncode == 1 and "already holds a run" in proc.stderr
    assert _snapshot(run) == before and not aside.exists()


def test_a_run_set_aside_is_never_deleted_when_the_killed_run_left_a_checkpoint(run):
    aside = _killed_overwrite(run, keep_checkpoint=True)
    before = _snapshot(run)
    proc = _train(run, overwrite_output_dir=True)  # once: .replaced-* deleted without a word
    assert proc.returncode == 1
    line = proc.stderr.strip().splitlines()[-1]
    assert f"{aside} holds the earlier run that an interrupted --overwrite_output_dir run set aside" in line
    assert "--resume_from_checkpoint latest" in line
    assert _snapshot(run) == before
    # Continuing the interrupted run completes the replacement: the earlier run goes once the model is saved.
    done = _train(run, check=True, resume_from_checkpoint="latest")
    assert f"{aside} holds the earlier run" in done.stdout and not aside.exists()
    assert json.loads((run / checkpointing.MANIFEST).read_text())["finished"] is True


def test_a_kill_while_a_checkpoint_is_saved_again_keeps_that_step(tmp_path, monkeypatch):
    """finalize replacing checkpoint-2 (a resumed run saving step 2 again): killed between moving the old one out
    and moving the new one in, the step still has a whole checkpoint at the next start (it was deleted first)."""
    for step in (1, 2):
        checkpointing.temporary_path(tmp_path, step).mkdir(parents=True)
        checkpointing.finalize(tmp_path, step, {"global_step": step}, keep=0)
    rename = Path.rename

    def killed(self, target):
        if self.name.endswith(".tmp"):
            raise KeyboardInterrupt
        return rename(self, target)

    monkeypatch.setattr(Path, "rename", killed)
    checkpointing.temporary_path(tmp_path, 2).mkdir()
    with pytest.raises(KeyboardInterrupt):
        checkpointing.finalize(tmp_path, 2, {"global_step": 2, "again": True}, keep=0)
    monkeypatch.undo()
    assert checkpointing.remove_leftovers(tmp_path) == ["checkpoint-2.tmp"]
    assert [p.name for p in checkpointing.completed_checkpoints(tmp_path)] == ["checkpoint-1", "checkpoint-2"]
    assert checkpointing.read_engine_state(checkpointing.checkpoints_dir(tmp_path) / "checkpoint-2") == {
        "global_step": 2, "objects": {}}
    checkpointing.temporary_path(tmp_path, 2).mkdir()  # and a save that is not interrupted replaces it
    checkpointing.finalize(tmp_path, 2, {"global_step": 2, "again": True}, keep=0)
    assert sorted(p.name for p in checkpointing.checkpoints_dir(tmp_path).iterdir()) == ["checkpoint-1",
                                                                                         "checkpoint-2"]
    assert checkpointing.read_engine_state(checkpointing.checkpoints_dir(tmp_path) / "checkpoint-2")["again"]
