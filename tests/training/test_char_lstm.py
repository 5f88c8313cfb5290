"""The char-lstm recipe's stateful truncated BPTT: data layout and the carried state."""

from types import SimpleNamespace

import pytest
import torch

from classicnets.training.arguments import TrainingArguments
from classicnets.training.recipes.char_lstm import CharLSTMArguments, CharLSTMRecipe, stream_order

from .helpers import write_corpus


class FakeAccelerator:
    def __init__(self, num_processes: int = 1):
        self.num_processes = num_processes
        self.registered = []

    def register_for_checkpointing(self, obj):
        self.registered.append(obj)


def test_stream_order_gives_each_row_of_each_process_consecutive_windows():
    rows, processes, windows = 2, 3, 40
    order = stream_order(windows, rows, processes)
    per_stream = windows // (rows * processes)  # 6; the last 4 windows fill no stream and are left out
    assert sorted(order) == list(range(rows * processes * per_stream))
    batches = [order[i : i + rows] for i in range(0, len(order), rows)]
    for k in range(processes):  # accelerate gives process k the global batches k, k + P, k + 2P, ...
        mine = batches[k::processes]
        assert len(mine) == per_stream
        for j in range(rows):
            column = [batch[j] for batch in mine]
            assert column == list(range(column[0], column[0] + per_stream))  # consecutive windows of one stream
    starts = {batch[j] for batch in batches[:processes] for j in range(rows)}
    assert starts == {s * per_stream for s in range(rows * processes)}  # every stream starts at its window 0


def _recipe(tmp_path, **options) -> CharLSTMRecipe:
    train, valid = write_corpus(tmp_path)
    recipe = CharLSTMRecipe(CharLSTMArguments(preset="tiny", train_file=str(train), validation_file=str(valid),
                                              block_size=16, **{"stateful_training": True, **options}))
    recipe.build(None)
    return recipe


def test_stateful_batches_continue_the_text_row_by_row(tmp_path):
    recipe = _recipe(tmp_path)
    loader = recipe.train_dataloader(TrainingArguments(per_device_train_batch_size=3), FakeAccelerator())
    batches = [b["input_ids"] for b in loader]
    assert len(batches) == len(recipe.train_dataset) // 3
    corpus = torch.as_tensor(recipe.tokenizer.encode_corpus((tmp_path / "train.txt").read_text(encoding="utf-8")))
    per_stream = len(batches)
    for j in range(3):
        row = torch.cat([batches[0][j]] + [b[j][1:] for b in batches[1:]])  # windows overlap by one character
        start = j * per_stream * 16
        assert torch.equal(row, corpus[start : start + len(row)])


def test_stateful_training_carries_the_detached_state_and_resets_each_epoch(tmp_path):
    recipe = _recipe(tmp_path)
    accelerator = FakeAccelerator()
    loader = recipe.train_dataloader(TrainingArguments(per_device_train_batch_size=2), accelerator)
    assert recipe.state_objects["carried_state"] is recipe.carried  # checkpointed with the run
    received, returned = [], []
    model = recipe.model

    def recording_model(**kwargs):
        received.append(kwargs["state"])
        out = model(**kwargs)
        returned.append(out.state)
        return out

    run = SimpleNamespace(models={"model": recording_model}, batches_done_in_epoch=0,
                          optimize=lambda loss, name: loss.backward())  # the part of a TrainingContext it uses
    batches = iter(loader)
    for done in (0, 1, 0):  # two batches of an epoch, then the first batch of the next
        run.batches_done_in_epoch = done
        logs = recipe.training_step(run, next(batches))
        assert logs["loss"] > 0
    assert received[0] is None and received[2] is None
    assert all(torch.equal(a, b) for a, b in zip(received[1], returned[0]))
    assert not any(s.requires_grad for s in received[1])  # truncated: no gradient into the previous window
    state = recipe.carried.state_dict()
    assert set(state) == {"h", "c"} and state["h"].shape == (recipe.model.config.num_layers, 2,
                                                               recipe.model.config.hidden_size)
    fresh = type(recipe.carried)()
    fresh.load_state_dict(state)
    assert torch.equal(fresh.state[0], state["h"])


def test_stateful_training_needs_one_window_per_stream(tmp_path):
    recipe = _recipe(tmp_path)
    with pytest.raises(ValueError, match="fewer than the .* streams.*no --stateful_training"):
        recipe.train_dataloader(TrainingArguments(per_device_train_batch_size=len(recipe.train_dataset) + 1),
                                FakeAccelerator())


def test_shuffled_training_is_still_available(tmp_path):
    recipe = _recipe(tmp_path, stateful_training=False)
    loader = recipe.train_dataloader(TrainingArguments(per_device_train_batch_size=2), FakeAccelerator())
    assert isinstance(loader.sampler, torch.utils.data.RandomSampler)
