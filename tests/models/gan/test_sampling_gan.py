"""GANModel sampling as the image ecosystem expects it: output types, seeds, batches, labels, interpolation."""

import numpy as np
import pytest
import torch
from PIL import Image

from classicnets import GANConfig, GANModel
from classicnets.models.gan import modeling_gan
from classicnets.models.gan.modeling_gan import lerp, slerp


def make(preset="tiny", seed=0, **overrides) -> GANModel:
    torch.manual_seed(seed)
    return GANModel(GANConfig.from_preset(preset, **overrides))


@pytest.mark.parametrize("preset", ["tiny", "mlp"])
def test_pil_np_and_pt_hold_the_same_images(preset):
    model = make(preset)
    pt = model.generate(5, seed=3)
    arr = model.generate(5, seed=3, output_type="np")
    pils = model.generate(5, seed=3, output_type="pil")
    assert pt.shape == (5, 1, 28, 28) and pt.dtype == torch.float32
    assert arr.shape == (5, 28, 28, 1) and arr.dtype == np.float32 and arr.min() >= 0 and arr.max() <= 1
    assert np.array_equal(arr, pt.permute(0, 2, 3, 1).numpy())  # the same floats, channels last
    assert len(pils) == 5 and all(isinstance(p, Image.Image) and p.mode == "L" and p.size == (28, 28) for p in pils)
    as_uint8 = (pt.clamp(0, 1) * 255).round().to(torch.uint8)[:, 0].numpy()
    assert all(np.array_equal(np.asarray(p), a) for p, a in zip(pils, as_uint8))
    with pytest.raises(ValueError, match="output_type"):
        model.generate(2, output_type="latent")


def test_seeded_images_do_not_change_from_earlier_releases():
    # The draw earlier releases made: all the noise (N, Z), then the labels, from Generator().manual_seed(seed).
    model = make("tiny", num_classes=10).eval()
    rng = torch.Generator().manual_seed(11)
    noise, labels = torch.randn(6, 8, generator=rng), torch.randint(10, (6,), generator=rng)
    with torch.no_grad():
        expected = model.generator(noise, labels).float().clamp(0, 1)
    assert torch.equal(model.generate(6, seed=11), expected)


@pytest.mark.parametrize("num_images", [5, modeling_gan.NOISE_BLOCK + 3])
def test_the_seeded_stream_does_not_depend_on_the_batch_size(num_images):
    model = make("tiny", num_classes=10)

    def stream(batch_size):
        rng = torch.Generator().manual_seed(4)
        batches = list(model._latent_batches(num_images, rng, None, batch_size))
        assert all(len(z) <= batch_size for z, _ in batches)
        return torch.cat([z for z, _ in batches]), torch.cat([y for _, y in batches])

    noise, labels = stream(num_images)
    for batch_size in (1, 3, 1000, modeling_gan.NOISE_BLOCK + 1):
        other_noise, other_labels = stream(batch_size)
        assert torch.equal(noise, other_noise) and torch.equal(labels, other_labels), batch_size
    whole = model.generate(num_images, seed=4, batch_size=None)
    torch.testing.assert_close(model.generate(num_images, seed=4, batch_size=7), whole, rtol=0, atol=1e-6)


def test_generate_batches_is_lazy_and_bounded(monkeypatch):
    model = make("tiny")
    sizes = []
    forward = model.generator.forward
    monkeypatch.setattr(model.generator, "forward", lambda z, y=None: sizes.append(len(z)) or forward(z, y))
    batches = model.generate_batches(10**9, seed=0, batch_size=4)  # a billion images: only what is asked is made
    first, second = next(batches), next(batches)
    assert first.shape == second.shape == (4, 1, 28, 28) and sizes == [4, 4]
    batches.close()
    assert torch.equal(torch.cat([first, second]), model.generate(8, seed=0))
    assert model.generator.training, "the training mode is restored between batches"
    sizes.clear()
    model.generate(10, seed=0, batch_size=4)
    assert sizes == [4, 4, 2]
    with pytest.raises(ValueError, match="batch_size"):
        model.generate(3, batch_size=0)


def test_same_seed_same_images_and_the_global_rng_is_untouched():
    model = make("tiny")
    state = torch.get_rng_state()
    a = model.generate(4, seed=9, output_type="np")
    assert np.array_equal(a, model.generate(4, seed=9, output_type="np"))
    assert not np.array_equal(a, model.generate(4, seed=10, output_type="np"))
    assert torch.equal(torch.get_rng_state(), state)
    stream = torch.Generator().manual_seed(9)  # a generator continues its stream across calls
    assert torch.equal(torch.cat([model.generate(2, seed=stream), model.generate(2, seed=stream)]),
                       model.generate(4, seed=9))


def test_labels_as_an_int_or_a_list_and_clear_errors():
    model = make("tiny", num_classes=10)
    threes = model.generate(3, seed=1, labels=3, output_type="pil")
    same = model.generate(3, seed=1, labels=[3, 3, 3], output_type="pil")
    assert [p.tobytes() for p in threes] == [p.tobytes() for p in same]
    assert not torch.equal(model.generate(3, seed=1, labels=3), model.generate(3, seed=1, labels=4))
    with pytest.raises(ValueError, match=r"\[0, 10\)"):
        model.generate(2, labels=10, output_type="pil")
    with pytest.raises(ValueError, match="unconditional"):
        make("tiny").generate(2, labels=1, output_type="np")
    with pytest.raises(ValueError, match="integer"):
        model.generate(2, labels=[0.5, 1.0])


def assert_same_image(a: torch.Tensor, b: torch.Tensor) -> None:
    """Equal up to float rounding: a batch of 6 and a batch of 1 go through different CPU kernels (blocking), whose
    sums round differently by ~3e-8 on some CPUs (AMD EPYC); the latents themselves are exact (test_slerp_...)."""
    torch.testing.assert_close(a, b, rtol=0, atol=1e-6)


@pytest.mark.parametrize("method", ["slerp", "linear"])
def test_interpolation_ends_are_the_seeds_images(method):
    model = make("tiny")
    path = model.interpolate(3, 8, steps=6, method=method)
    assert path.shape == (6, 1, 28, 28)
    assert_same_image(path[0], model.generate(1, seed=3)[0])
    assert_same_image(path[-1], model.generate(1, seed=8)[0])
    assert not torch.equal(path[1], path[0]) and not torch.equal(path[1], path[-1])
    pils = model.interpolate(3, 8, steps=3, method=method, output_type="pil")
    first = np.asarray(model.generate(1, seed=3, output_type="pil")[0], dtype=np.int16)
    assert len(pils) == 3 and np.abs(np.asarray(pils[0], dtype=np.int16) - first).max() <= 1  # rounding to 8 bits
    with pytest.raises(ValueError, match="steps"):
        model.interpolate(3, 8, steps=1)
    with pytest.raises(ValueError, match="method"):
        model.interpolate(3, 8, method="cubic")


def test_conditional_interpolation_keeps_one_label():
    model = make("tiny", num_classes=10)
    path = model.interpolate(1, 2, steps=4, label=7)
    assert_same_image(path[0], model.generate(1, seed=1, labels=7)[0])
    assert_same_image(path[-1], model.generate(1, seed=2, labels=7)[0])
    drawn = model.interpolate(1, 2, steps=4)  # no label: the one generate(1, seed=1) draws
    assert_same_image(drawn[0], model.generate(1, seed=1)[0])
    assert not torch.allclose(drawn[0], path[0], atol=1e-6)  # another label, another image
    with pytest.raises(ValueError, match="unconditional"):
        make("tiny").interpolate(1, 2, label=3)


def test_slerp_keeps_the_norm_where_a_straight_line_loses_it():
    rng = torch.Generator().manual_seed(0)
    a, b = torch.randn(100, generator=rng), torch.randn(100, generator=rng)
    t = torch.tensor([0.0, 0.5, 1.0], dtype=torch.float64)
    on_circle, straight = slerp(a, b, t), lerp(a, b, t)
    assert torch.equal(on_circle[0], a) and torch.equal(on_circle[2], b)
    mid_norm = (a.norm() + b.norm()) / 2
    assert abs(on_circle[1].norm() - mid_norm) < 0.05 * mid_norm  # equal-norm ends: stays on the shell
    assert straight[1].norm() < 0.85 * mid_norm  # ~0.71 for independent draws
    assert torch.allclose(slerp(a, a, t), a.expand(3, -1))  # parallel: no division by sin(0)


def test_noise_is_drawn_where_the_generator_lives():
    model = make("tiny")
    rng = torch.Generator(device="cpu").manual_seed(0)
    with torch.device("meta"):  # a default device elsewhere does not move the seeded draw off the CPU
        noise = model.sample_noise(3, rng, device="cpu")
    assert noise.device.type == "cpu"
    assert torch.equal(noise, torch.randn(3, 8, generator=torch.Generator().manual_seed(0)))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_same_seed_same_images_and_close_to_the_cpu():
    model = make("tiny", num_classes=10)
    cpu = model.generate(16, seed=5)
    model.to("cuda")
    a, b = model.generate(16, seed=5), model.generate(16, seed=5)
    assert a.device.type == "cuda" and torch.equal(a, b)
    torch.testing.assert_close(a.cpu(), cpu, rtol=0, atol=2e-3)  # TF32 convolutions round differently
    on_device = torch.Generator(device="cuda").manual_seed(5)  # a CUDA generator draws on the GPU
    assert model.generate(4, seed=on_device).shape == (4, 1, 28, 28)


def test_label_values_are_not_read_off_the_cpu():
    # A training step's forwards must not wait for the GPU to check label ranges: values are read on the CPU only
    # (a meta tensor has no values: reading one would raise).
    config = GANConfig.from_preset("tiny", num_classes=10)
    modeling_gan._check_labels(config, torch.zeros(3, dtype=torch.long, device="meta"), 3, "generator")
    with pytest.raises(ValueError, match=r"\[0, 10\)"):
        modeling_gan._check_labels(config, torch.tensor([0, 10, 1]), 3, "generator")
    with pytest.raises(ValueError, match="shape"):  # shapes and dtypes are still checked everywhere
        modeling_gan._check_labels(config, torch.zeros(2, dtype=torch.long, device="meta"), 3, "generator")


@pytest.mark.parametrize("output_type", ["pt", "np", "pil"])
def test_generate_refuses_a_result_beyond_the_limit_before_drawing_and_names_generate_batches(monkeypatch,
                                                                                               output_type):
    model = make("tiny")
    forward = model.generator.forward

    def refuse(z, y=None):  # without the check, generate would decode, then fill a 31 GB result: fail at once
        raise AssertionError("generate must refuse before decoding anything")

    monkeypatch.setattr(model.generator, "forward", refuse)
    # 10**7 MNIST images: 31 GB as floats (~38 GB as PIL images) in one result
    with pytest.raises(ValueError, match=r"generate\(num_images=10,000,000, output_type='" + output_type
                       + r"'\) would hold 3\d\.\d GB of images at once, more than MAX_GENERATE_BYTES \(4\.0 GB, "
                         r"[\d,]+ such images\)\. Iterate over generate_batches\(num_images=10000000"):
        model.generate(10**7, seed=0, output_type=output_type)
    monkeypatch.setattr(model.generator, "forward", forward)
    per_image = 4 * 784 if output_type != "pil" else 784 + modeling_gan.PIL_IMAGE_OVERHEAD
    monkeypatch.setattr(modeling_gan, "MAX_GENERATE_BYTES", 5 * per_image)
    assert len(model.generate(5, seed=0, output_type=output_type)) == 5  # up to the limit: as before
    with pytest.raises(ValueError, match="generate_batches"):
        model.generate(6, seed=0, output_type=output_type)


def test_generate_batches_has_no_limit_and_gives_the_images_generate_gives(monkeypatch):
    model = make("tiny", num_classes=10)
    monkeypatch.setattr(modeling_gan, "MAX_GENERATE_BYTES", 4 * 784 * 3)  # generate: at most 3 images
    streamed = torch.cat(list(model.generate_batches(7, seed=2, batch_size=2)))
    monkeypatch.setattr(modeling_gan, "MAX_GENERATE_BYTES", 4 * 784 * 7)
    torch.testing.assert_close(streamed, model.generate(7, seed=2), rtol=0, atol=1e-6)
