import pytest
import torch
from transformers import AutoConfig, AutoModelForImageClassification

from classicnets import LeNetConfig, LeNetForImageClassification


def make(preset="tiny", seed=0, **overrides) -> LeNetForImageClassification:
    torch.manual_seed(seed)
    return LeNetForImageClassification(LeNetConfig.from_preset(preset, **overrides))


def test_shapes_and_features():
    model = make("mnist").eval()
    x = torch.rand(3, 1, 28, 28)
    out = model(pixel_values=x, labels=torch.tensor([0, 1, 9]))
    assert out.logits.shape == (3, 10) and out.features.shape == (3, 256)
    assert out.loss.shape == () and out.loss.item() > 0
    torch.testing.assert_close(model.features(x), out.features)
    assert (out.features >= 0).all()  # post-ReLU


def test_registered_and_round_trip(tmp_path):
    assert isinstance(AutoConfig.for_model("classic_lenet"), LeNetConfig)
    model = make()
    model.save_pretrained(tmp_path)
    loaded = AutoModelForImageClassification.from_pretrained(tmp_path)
    assert isinstance(loaded, LeNetForImageClassification)
    for key, value in model.state_dict().items():
        assert torch.equal(value, loaded.state_dict()[key]), key
    assert loaded.config.num_labels == 10


def test_default_init_is_pytorch_like_not_hf_0_02():
    model = make("mnist")
    conv = model.encoder[0].weight  # fan_in 25: kaiming-uniform(a=sqrt 5) std = 1/sqrt(3 * 25)
    assert conv.std().item() == pytest.approx((3 * 25) ** -0.5, rel=0.15)
    assert make("mnist", initializer_range=0.02).encoder[3].weight.std().item() == pytest.approx(0.02, rel=0.1)


def test_training_steps_reduce_loss_on_synthetic_data():
    model = make("tiny")
    generator = torch.Generator().manual_seed(0)
    labels = torch.arange(64) % 4
    images = torch.rand(64, 1, 28, 28, generator=generator) * 0.3
    for c in range(4):  # a bright quadrant per class
        r, k = divmod(c, 2)
        images[labels == c, :, 14 * r : 14 * r + 14, 14 * k : 14 * k + 14] += 0.7
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    first = model(pixel_values=images, labels=labels).loss.item()
    for _ in range(15):
        loss = model(pixel_values=images, labels=labels).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss.item() < first * 0.5


def test_bad_inputs():
    model = make()
    with pytest.raises(ValueError, match=r"\(batch_size, 1, 28, 28\)"):
        model(pixel_values=torch.rand(2, 28, 28))
    with pytest.raises(ValueError, match="uint8"):
        model(pixel_values=torch.zeros(2, 1, 28, 28, dtype=torch.uint8))
    with pytest.raises(ValueError, match=r"\[0, 10\)"):
        model(pixel_values=torch.rand(2, 1, 28, 28), labels=torch.tensor([0, 10]))
    with pytest.raises(ValueError, match="too small"):
        LeNetConfig(image_size=8)
    with pytest.raises(ValueError, match="preset"):
        LeNetConfig.from_preset("alexnet")
