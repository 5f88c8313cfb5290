"""The exponential moving average of weights (--ema_decay): the formula, the swap, checkpoints, the engine."""

import pytest
import torch
from torch import nn

from classicnets.training import Engine, TrainingArguments
from classicnets.training.ema import ExponentialMovingAverage

from .test_engine import RegressionArguments, RegressionRecipe


def test_update_follows_the_warmed_up_formula():
    linear = nn.Linear(3, 2)
    start = linear.weight.detach().clone()
    ema = ExponentialMovingAverage({"model": linear}, decay=0.99)
    expected = start.clone()
    for n in range(1, 6):
        with torch.no_grad():
            linear.weight.add_(1.0)
        ema.update()
        d = min(0.99, (1 + n) / (10 + n))  # warm-up: 0.1818, 0.25, 0.3077, ...
        expected = d * expected + (1 - d) * linear.weight.detach()
    torch.testing.assert_close(ema.average["model"]["weight"], expected)
    assert ema.num_updates == 5 and ema.current_decay() == pytest.approx(6 / 15)


def test_averaged_weights_swap_in_and_back_exactly():
    model = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))
    ema = ExponentialMovingAverage({"model": model}, decay=0.9)
    model.train()
    for _ in range(3):
        with torch.no_grad():
            for p in model.parameters():
                p.add_(1.0)
        model(torch.randn(8, 4))  # moves the BatchNorm running statistics
        ema.update()
    live = {k: v.clone() for k, v in model.state_dict().items()}
    average = {k: v.clone() for k, v in ema.average["model"].items()}
    assert "1.running_mean" in average and "1.num_batches_tracked" not in average  # float buffers only
    with ema.averaged_weights():
        for key, tensor in average.items():
            torch.testing.assert_close(model.state_dict()[key], tensor)
            assert not torch.equal(tensor, live[key])
    for key, tensor in model.state_dict().items():
        assert torch.equal(tensor, live[key])


def test_tied_weights_are_averaged_once():
    embedding, head = nn.Embedding(5, 3), nn.Linear(3, 5, bias=False)
    head.weight = embedding.weight
    model = nn.ModuleDict({"embedding": embedding, "head": head})
    ema = ExponentialMovingAverage({"model": model}, decay=0.9)
    assert list(ema.average["model"]) == ["embedding.weight"]
    with torch.no_grad():
        embedding.weight.zero_()
    ema.update()
    with ema.averaged_weights():
        assert head.weight is embedding.weight and embedding.weight.abs().sum() > 0
    assert embedding.weight.abs().sum() == 0


def test_state_dict_round_trip_and_mismatch_error():
    a, b = nn.Linear(2, 2), nn.Linear(2, 2)
    ema = ExponentialMovingAverage({"model": a}, decay=0.9)
    ema.update()
    restored = ExponentialMovingAverage({"model": b}, decay=0.9)
    restored.load_state_dict(ema.state_dict())
    assert restored.num_updates == 1
    torch.testing.assert_close(restored.average["model"]["weight"], ema.average["model"]["weight"])
    other = ExponentialMovingAverage({"model": nn.Linear(2, 2, bias=False)}, decay=0.9)
    with pytest.raises(ValueError, match="other weights"):
        other.load_state_dict(ema.state_dict())
    with pytest.raises(ValueError, match="decay must be in"):
        ExponentialMovingAverage({"model": a}, decay=1.0)
    with pytest.raises(ValueError, match="--ema_decay"):
        TrainingArguments(ema_decay=1.5)


class SavingRecipe(RegressionRecipe):
    def save_pretrained(self, models, output_dir):
        self.saved = {k: v.clone() for k, v in models["model"].state_dict().items()}


def test_engine_evaluates_and_saves_the_average_and_keeps_training_the_raw_weights(tmp_path):
    args = TrainingArguments(output_dir=str(tmp_path / "run"), max_steps=20, per_device_train_batch_size=16,
                             learning_rate=0.2, eval_steps=10, save_steps=0, logging_steps=5, disable_tqdm=True,
                             lr_scheduler_type="constant", ema_decay=0.9)
    recipe = SavingRecipe(RegressionArguments())
    engine = Engine(recipe, args)
    final = engine.train()
    live = engine.accelerator.unwrap_model(engine.models["model"])
    assert engine.ema.num_updates == 20
    for key, tensor in recipe.saved.items():
        torch.testing.assert_close(tensor, engine.ema.average["model"][key])
        assert not torch.equal(tensor, live.state_dict()[key])  # the raw weights are back in the model
    x, y = recipe.train_dataset.tensors
    with torch.no_grad(), engine.ema.averaged_weights():
        assert final["mse"] == pytest.approx(((live(x) - y) ** 2).mean().item())  # evaluated with the average
