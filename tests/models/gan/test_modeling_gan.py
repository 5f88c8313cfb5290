import pytest
import torch
from transformers import AutoConfig, AutoModel

from classicnets import GANConfig, GANModel, GANOutput
from classicnets.models.gan import (
    discriminator_loss,
    discriminator_stats,
    generator_loss,
    save_image_grid,
    to_pil_images,
)


def make(preset="tiny", seed=0, **overrides) -> GANModel:
    torch.manual_seed(seed)
    return GANModel(GANConfig.from_preset(preset, **overrides))


def num_params(module) -> int:
    return sum(p.numel() for p in module.parameters())


def test_mlp_preset_has_the_tutorials_parameter_counts():
    model = make("mlp")
    assert num_params(model.generator) == 114_064
    assert num_params(model.discriminator) == 100_609


def test_model_type_is_registered_and_does_not_clash():
    assert GANConfig.model_type == "classic_gan"
    assert isinstance(AutoConfig.for_model("classic_gan"), GANConfig)


@pytest.mark.parametrize("preset", ["mlp", "dcgan", "dcgan-conditional"])
def test_init_is_normal_0_02_after_construction(preset):
    # transformers v5 runs _init_weights after __init__: the DCGAN init must survive it.
    model = make(preset)
    for name, module in model.named_modules():
        if isinstance(module, (torch.nn.Linear, torch.nn.Conv2d, torch.nn.ConvTranspose2d, torch.nn.Embedding)):
            w = module.weight
            if w.numel() >= 1000:
                assert abs(w.std().item() - 0.02) < 0.003, name
                assert abs(w.mean().item()) < 0.003, name
            if getattr(module, "bias", None) is not None:
                assert torch.all(module.bias == 0), name
        if isinstance(module, torch.nn.BatchNorm2d):
            assert abs(module.weight.mean().item() - 1.0) < 0.01, name
            assert 0.01 < module.weight.std().item() < 0.03, name
            assert torch.all(module.bias == 0) and torch.all(module.running_var == 1), name


def test_discriminator_without_batch_norm_keeps_it_in_the_generator():
    model = make("tiny", discriminator_batch_norm=False)
    has_bn = {part: any(isinstance(m, torch.nn.BatchNorm2d) for m in getattr(model, part).modules())
              for part in ("generator", "discriminator")}
    assert has_bn == {"generator": True, "discriminator": False}
    assert make("tiny").config.discriminator_uses_batch_norm  # None follows use_batch_norm
    assert not make("tiny", use_batch_norm=False).config.discriminator_uses_batch_norm


@pytest.mark.parametrize("preset", ["tiny", "mlp"])
def test_minibatch_std_makes_the_score_depend_on_the_batch(preset):
    model = make(preset, discriminator_minibatch_std=True).eval()
    images = torch.rand(6, 1, 28, 28)
    alone = model.discriminator(images[:3])
    together = model.discriminator(images)
    assert not torch.allclose(alone, together[:3])  # the batch's spread is part of every image's features
    plain = make(preset).eval()
    assert torch.allclose(plain.discriminator(images[:3]), plain.discriminator(images)[:3], atol=1e-6)
    # A collapsed batch (one image repeated) has spread 0: the same score as that image alone.
    same = images[:1].expand(4, -1, -1, -1)
    assert torch.allclose(model.discriminator(same), model.discriminator(images[:1]).expand(4), atol=1e-6)


def test_labels_come_from_the_prior_when_not_given():
    model = make("tiny", num_classes=3, label_prior=[0, 2, 0])
    assert model.config.label_prior == [0.0, 1.0, 0.0]  # normalised
    assert model.sample_labels(20, torch.Generator().manual_seed(0)).tolist() == [1] * 20
    uniform = make("tiny", num_classes=3).sample_labels(300, torch.Generator().manual_seed(0))
    assert set(uniform.tolist()) == {0, 1, 2}
    assert make("tiny").sample_labels(4) is None
    assert torch.equal(model.generate(6, seed=2), model.generate(6, seed=2, labels=1))  # drew label 1 each time
    with pytest.raises(ValueError, match="one probability per class"):
        GANConfig.from_preset("tiny", num_classes=3, label_prior=[1, 1])
    with pytest.raises(ValueError, match="needs num_classes"):
        GANConfig.from_preset("tiny", self_conditioned=True)
    assert not GANConfig.from_preset("tiny", num_classes=3, self_conditioned=True).takes_user_labels
    assert GANConfig.from_preset("dcgan-conditional").takes_user_labels


@pytest.mark.parametrize("preset", ["tiny", "dcgan-conditional"])
def test_save_load_round_trip_is_bit_identical(tmp_path, preset):
    model = make(preset)
    # make the BatchNorm buffers non-default so that they are checked too
    model.train()
    model(noise=torch.randn(8, model.config.latent_dim), labels=torch.arange(8) % 10 if preset != "tiny" else None)
    model.save_pretrained(tmp_path)
    assert (tmp_path / "model.safetensors").is_file()
    loaded = AutoModel.from_pretrained(tmp_path)
    assert isinstance(loaded, GANModel)
    original, reloaded = model.state_dict(), loaded.state_dict()
    assert original.keys() == reloaded.keys()
    assert any(k.startswith("generator.") for k in original) and any(k.startswith("discriminator.") for k in original)
    for key in original:
        assert torch.equal(original[key], reloaded[key]), key
    assert torch.equal(model.generate(4, seed=3), loaded.generate(4, seed=3))


@pytest.mark.parametrize("preset", ["tiny", "mlp"])
def test_generate_shape_range_determinism_and_global_rng(preset):
    model = make(preset)
    torch.manual_seed(123)
    state = torch.get_rng_state()
    a = model.generate(num_images=5, seed=7)
    b = model.generate(num_images=5, seed=7, batch_size=2)
    assert torch.equal(torch.get_rng_state(), state), "generate() must not touch the global RNG"
    assert a.shape == (5, 1, 28, 28) and a.dtype == torch.float32
    assert a.min() >= 0 and a.max() <= 1
    torch.testing.assert_close(a, b, rtol=0, atol=1e-6)  # batching may change the last float bits only
    assert torch.equal(a, model.generate(num_images=5, seed=7))
    assert not torch.equal(a, model.generate(num_images=5, seed=8))
    assert model.generator.training, "generate() restores the training mode"


def test_generate_is_ours_not_generation_mixin():
    from transformers import GenerationMixin

    assert not issubclass(GANModel, GenerationMixin)
    assert not GANModel.can_generate()
    assert GANModel.generate.__qualname__ == "GANModel.generate"


def test_conditional_labels():
    model = make("tiny", num_classes=10)
    images = model.generate(num_images=6, seed=0, labels=[0, 1, 2, 3, 4, 5])
    assert images.shape == (6, 1, 28, 28)
    same_class = model.generate(num_images=3, seed=0, labels=4)
    assert torch.equal(same_class, model.generate(num_images=3, seed=0, labels=torch.tensor([4, 4, 4])))
    # labels change the images; default labels are drawn from the seed
    assert not torch.equal(model.generate(3, seed=0, labels=1), model.generate(3, seed=0, labels=2))
    assert torch.equal(model.generate(3, seed=5), model.generate(3, seed=5))
    out = model(noise=torch.randn(4, 8), labels=torch.tensor([0, 1, 2, 3]), pixel_values=torch.rand(4, 1, 28, 28))
    assert isinstance(out, GANOutput)
    assert out.generated_images.shape == (4, 1, 28, 28)
    assert out.fake_logits.shape == (4,) and out.real_logits.shape == (4,)


def test_forward_parts():
    model = make("mlp")
    out = model(noise=torch.randn(3, 100))
    assert out.generated_images.shape == (3, 1, 28, 28) and out.fake_logits.shape == (3,) and out.real_logits is None
    out = model(pixel_values=torch.rand(2, 1, 28, 28))
    assert out.generated_images is None and out.real_logits.shape == (2,)
    assert model(noise=torch.randn(3, 100, 1, 1), discriminate_generated=False).fake_logits is None


def test_bad_inputs_raise_clear_errors():
    model = make("tiny")
    conditional = make("tiny", num_classes=10)
    with pytest.raises(ValueError, match="positive"):
        model.generate(num_images=0)
    with pytest.raises(ValueError, match="positive"):
        model.generate(num_images=-3)
    with pytest.raises(ValueError, match="unconditional"):
        model.generate(num_images=2, labels=[0, 1])
    with pytest.raises(ValueError, match=r"\[0, 10\)"):
        conditional.generate(num_images=2, labels=[0, 10])
    with pytest.raises(ValueError, match=r"\[0, 10\)"):
        conditional.generate(num_images=1, labels=-1)
    with pytest.raises(ValueError, match="shape"):
        conditional.generate(num_images=3, labels=[1, 2])
    with pytest.raises(ValueError, match="needs labels"):
        conditional(noise=torch.randn(2, 8))
    with pytest.raises(ValueError, match=r"\(batch_size, 1, 28, 28\)"):
        model(pixel_values=torch.rand(2, 1, 32, 32))
    with pytest.raises(ValueError, match=r"\(batch_size, 1, 28, 28\)"):
        model(pixel_values=torch.rand(2, 3, 28, 28))
    with pytest.raises(ValueError, match="uint8"):
        model(pixel_values=torch.zeros(2, 1, 28, 28, dtype=torch.uint8))
    with pytest.raises(ValueError, match="noise must have shape"):
        model(noise=torch.randn(2, 5))
    with pytest.raises(ValueError, match="noise"):
        model()


def test_bad_configs():
    with pytest.raises(ValueError, match="architecture"):
        GANConfig(architecture="resnet")
    with pytest.raises(ValueError, match="divisible"):
        GANConfig.from_preset("dcgan", image_size=30)
    with pytest.raises(ValueError, match="logit"):
        GANConfig(discriminator_output="probability")
    with pytest.raises(ValueError, match="preset"):
        GANConfig.from_preset("biggan")


def test_training_step_under_bf16_autocast():
    model = make("tiny", num_classes=10)
    g_opt = torch.optim.Adam(model.generator.parameters(), 2e-4, betas=(0.5, 0.999))
    d_opt = torch.optim.Adam(model.discriminator.parameters(), 2e-4, betas=(0.5, 0.999))
    real, labels = torch.rand(8, 1, 28, 28), torch.arange(8)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        fake = model.generator(torch.randn(8, 8), labels)
        d_loss = discriminator_loss(model.discriminator(real, labels), model.discriminator(fake.detach(), labels))
    d_opt.zero_grad()
    d_loss.backward()
    d_opt.step()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        g_loss = generator_loss(model.discriminator(fake, labels))
    g_opt.zero_grad()
    g_loss.backward()
    assert all(p.grad is not None for p in model.generator.parameters())
    g_opt.step()
    assert torch.isfinite(d_loss) and torch.isfinite(g_loss)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        images = model.generate(2, seed=0)
    assert images.dtype == torch.float32


def test_losses_and_stats():
    confident = torch.tensor([20.0, 20.0]), torch.tensor([-20.0, -20.0])
    assert discriminator_loss(*confident).item() < 1e-6
    assert generator_loss(confident[1]).item() == pytest.approx(20.0, abs=1e-4)
    assert discriminator_loss(torch.zeros(3), torch.zeros(3)).item() == pytest.approx(2 * 0.6931, abs=1e-3)
    stats = discriminator_stats(*confident)
    assert stats["d_accuracy"] == 1.0 and stats["d_real"] > 0.99 and stats["d_fake"] < 0.01


def test_image_helpers(tmp_path):
    from PIL import Image

    images = make("tiny").generate(num_images=10, seed=0)
    pils = to_pil_images(images)
    assert len(pils) == 10 and pils[0].size == (28, 28) and pils[0].mode == "L"
    assert to_pil_images(torch.rand(2, 3, 8, 8))[0].mode == "RGB"
    path = save_image_grid(images, tmp_path / "grid.png", nrow=4, padding=2)
    grid = Image.open(path)
    assert grid.format == "PNG" and grid.size == (4 * 30 + 2, 3 * 30 + 2)
    with pytest.raises(ValueError, match="NaN"):
        to_pil_images(torch.full((1, 1, 4, 4), float("nan")))
    with pytest.raises(ValueError, match="shape"):
        to_pil_images(torch.rand(2, 5, 4, 4))
