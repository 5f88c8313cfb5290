"""Classic GAN: a generator and a discriminator in one Hugging Face model, readable top to bottom.

    generator:      noise (B, Z) [+ label embedding (B, E)] -> image (B, C, H, W) in [0, 1]
    discriminator:  image (B, C, H, W) in [0, 1] [+ label (B,)] -> logit (B,)   ("real" when > 0)

`GANModel.generator` and `GANModel.discriminator` are separate `nn.Module`s, so a training recipe gives each its
own optimiser; both are saved together in one `model.safetensors`. The losses are the non-saturating ones of
Goodfellow et al. (2014), written on logits ([`discriminator_loss`], [`generator_loss`]).
"""

import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn
from transformers import PreTrainedModel
from transformers import initialization as init
from transformers.utils import ModelOutput

from .configuration_gan import GANConfig
from .image_utils import to_pil_images

# generate(): images per pass of the generator network (bounds its activations), and images whose latents are
# drawn together (see "What a seed means" in GANModel); the second is part of what a seed means: never change it.
DEFAULT_BATCH_SIZE = 1024
NOISE_BLOCK = 8192
OUTPUT_TYPES = ("pt", "np", "pil")
# generate() returns all its images at once: it refuses a call whose result would exceed this many bytes (10**7
# MNIST images are 31 GB as float32) and points to generate_batches, whose memory one batch bounds. Raise it
# (modeling_gan.MAX_GENERATE_BYTES = ...) to allow more in one call.
MAX_GENERATE_BYTES = 4 * 10**9
PIL_IMAGE_OVERHEAD = 3 * 1024  # bytes a PIL image holds besides its pixels (measured: ~3 KB for 28x28 "L")


@dataclass
class GANOutput(ModelOutput):
    """
    Args:
        generated_images (`torch.FloatTensor` of shape `(batch_size, num_channels, image_size, image_size)`):
            The generator's images in `[0, 1]`, returned when `noise` is given.
        fake_logits (`torch.FloatTensor` of shape `(batch_size,)`):
            Discriminator logits of `generated_images` (gradients flow into the generator), when `noise` is given
            and `discriminate_generated=True`.
        real_logits (`torch.FloatTensor` of shape `(batch_size,)`):
            Discriminator logits of `pixel_values`, when they are given.
    """

    generated_images: torch.FloatTensor | None = None
    fake_logits: torch.FloatTensor | None = None
    real_logits: torch.FloatTensor | None = None


def _check_labels(config: GANConfig, labels: torch.Tensor | None, batch_size: int, who: str) -> None:
    if not config.is_conditional:
        if labels is not None:
            raise ValueError(
                f"This GAN is unconditional (num_classes=None) but the {who} got labels: drop them, or use a "
                "conditional config (e.g. the 'dcgan-conditional' preset)."
            )
        return
    if labels is None:
        raise ValueError(f"This GAN is conditional on {config.num_classes} classes: the {who} needs labels (B,).")
    if labels.dtype.is_floating_point or labels.dtype == torch.bool:
        raise ValueError(f"labels must be an integer tensor of class ids, got dtype {labels.dtype}.")
    if labels.shape != (batch_size,):
        raise ValueError(f"labels must have shape ({batch_size},), one class id per image; got {tuple(labels.shape)}.")
    # The range is read on the CPU only: reading a GPU tensor's values would stall the device at every forward of
    # a training step. Labels users hand to generate() are checked on the CPU first; the recipes check their data
    # once; anything else out of range on a GPU is caught by the embedding lookup (a device-side assert).
    if labels.numel() and labels.device.type == "cpu" and (labels.min() < 0 or labels.max() >= config.num_classes):
        raise ValueError(
            f"labels must lie in [0, {config.num_classes}); got values from {int(labels.min())} to {int(labels.max())}."
        )


class Generator(nn.Module):
    """noise (B, Z) [, labels (B,)] -> images (B, C, H, W) in [0, 1]."""

    def __init__(self, config: GANConfig):
        super().__init__()
        self.config = config
        self.label_embedding = (
            nn.Embedding(config.num_classes, config.label_embedding_dim) if config.is_conditional else None
        )
        in_features = config.latent_dim + (config.label_embedding_dim if config.is_conditional else 0)
        sizes = config.generator_hidden_sizes
        layers: list[nn.Module] = []
        if config.architecture == "mlp":
            for width in sizes:
                layers += [nn.Linear(in_features, width), nn.ReLU()]
                in_features = width
            layers.append(nn.Linear(in_features, config.num_channels * config.image_size**2))
        else:  # dcgan: the input is a (B, Z, 1, 1) "image"; a k x k transposed conv projects it to k x k
            base = config.image_size // 2 ** len(sizes)
            bn = config.use_batch_norm
            layers += [nn.ConvTranspose2d(in_features, sizes[0], base, 1, 0, bias=not bn)]
            layers += [nn.BatchNorm2d(sizes[0])] if bn else []
            layers.append(nn.ReLU())
            for c_in, c_out in zip(sizes[:-1], sizes[1:]):  # each doubles the resolution
                layers += [nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=not bn)]
                layers += [nn.BatchNorm2d(c_out)] if bn else []
                layers.append(nn.ReLU())
            layers.append(nn.ConvTranspose2d(sizes[-1], config.num_channels, 4, 2, 1))  # no BN at the output
        self.net = nn.Sequential(*layers)

    def forward(self, noise: torch.Tensor, labels: torch.LongTensor | None = None) -> torch.Tensor:
        config = self.config
        if noise.dim() == 4 and noise.shape[2:] == (1, 1):
            noise = noise.flatten(1)  # accept DCGAN-style (B, Z, 1, 1)
        if noise.dim() != 2 or noise.shape[1] != config.latent_dim:
            raise ValueError(f"noise must have shape (batch_size, {config.latent_dim}); got {tuple(noise.shape)}.")
        _check_labels(config, labels, noise.shape[0], "generator")
        x = noise
        if self.label_embedding is not None:
            x = torch.cat([x, self.label_embedding(labels).to(x.dtype)], dim=1)  # (B, Z + E)
        if config.architecture == "dcgan":
            x = x[:, :, None, None]  # (B, Z + E, 1, 1)
        x = self.net(x)  # (B, C*H*W) or (B, C, H, W)
        x = (torch.tanh(x) + 1) / 2 if config.output_activation == "tanh" else torch.sigmoid(x)  # [0, 1]
        return x.view(-1, config.num_channels, config.image_size, config.image_size)  # (B, C, H, W)


class Discriminator(nn.Module):
    """images (B, C, H, W) in [0, 1] [, labels (B,)] -> logits (B,)."""

    def __init__(self, config: GANConfig):
        super().__init__()
        self.config = config
        sizes = config.discriminator_hidden_sizes
        slope = config.leaky_relu_slope
        layers: list[nn.Module] = []
        if config.architecture == "mlp":
            in_features = config.num_channels * config.image_size**2
            layers.append(nn.Flatten())
            for width in sizes:
                layers += [nn.Linear(in_features, width), nn.LeakyReLU(slope) if slope else nn.ReLU()]
                in_features = width
            self.feature_dim = in_features + int(config.discriminator_minibatch_std)
        else:
            bn = config.discriminator_uses_batch_norm
            c_in = config.num_channels
            for i, c_out in enumerate(sizes):  # each halves the resolution; no BN on the input layer
                layers.append(nn.Conv2d(c_in, c_out, 4, 2, 1, bias=not (bn and i > 0)))
                layers += [nn.BatchNorm2d(c_out)] if bn and i > 0 else []
                layers.append(nn.LeakyReLU(slope) if slope else nn.ReLU())
                c_in = c_out
            side = config.image_size // 2 ** len(sizes)
            self.feature_dim = (c_in + int(config.discriminator_minibatch_std)) * side**2
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(self.feature_dim, 1)
        # Projection discriminator: logit += <embed(y), h>
        self.label_projection = nn.Embedding(config.num_classes, self.feature_dim) if config.is_conditional else None

    def check_pixel_values(self, pixel_values: torch.Tensor) -> None:
        c, s = self.config.num_channels, self.config.image_size
        if pixel_values.dim() != 4 or tuple(pixel_values.shape[1:]) != (c, s, s):
            raise ValueError(
                f"The discriminator expects images of shape (batch_size, {c}, {s}, {s}) (num_channels, image_size, "
                f"image_size from the config); got {tuple(pixel_values.shape)}."
            )
        if not pixel_values.dtype.is_floating_point:
            raise ValueError(
                f"pixel_values must be floats in [0, 1], got dtype {pixel_values.dtype} (divide uint8 images by 255)."
            )

    def forward(self, pixel_values: torch.Tensor, labels: torch.LongTensor | None = None) -> torch.Tensor:
        self.check_pixel_values(pixel_values)
        _check_labels(self.config, labels, pixel_values.shape[0], "discriminator")
        x = pixel_values
        if self.config.architecture == "dcgan":
            x = x * 2 - 1  # the paper's [-1, 1] inputs
        h = self.features(x)  # (B, F) or (B, C, H', W')
        if self.config.discriminator_minibatch_std:
            h = append_minibatch_std(h)  # (B, F + 1) or (B, C + 1, H', W')
        h = h.flatten(1)  # (B, F)
        logits = self.head(h).squeeze(-1)  # (B,)
        if self.label_projection is not None:
            logits = logits + (self.label_projection(labels) * h).sum(dim=-1)
        return logits


def append_minibatch_std(h: torch.Tensor) -> torch.Tensor:
    """Karras et al. (2018): one more feature, the same for every image of the batch, holding how much the
    batch's features vary (their standard deviation over the batch, averaged). A generator that draws the same
    few digits gives its batches a telling low value, so the discriminator can see a collapse of modes.

    (B, F) -> (B, F + 1), or (B, C, H, W) -> (B, C + 1, H, W).
    """
    spread = h.float().std(dim=0, unbiased=False).mean().to(h.dtype)  # 0 for a single image, never NaN
    extra = spread.expand(h.shape[0], 1, *h.shape[2:])
    return torch.cat([h, extra], dim=1)


class GANPreTrainedModel(PreTrainedModel):
    config: GANConfig
    config_class = GANConfig
    base_model_prefix = "gan"
    main_input_name = "noise"
    _supports_sdpa = False

    @torch.no_grad()
    def _init_weights(self, module: nn.Module):
        # transformers v5 calls this after __init__ (and skips weights loaded from a checkpoint): the DCGAN
        # initialisation lives here, not in the constructors, or it would be overwritten.
        std = self.config.initializer_range
        if isinstance(module, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            init.normal_(module.weight, mean=0.0, std=std)
            if module.bias is not None:
                init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            init.normal_(module.weight, mean=0.0, std=std)
        elif isinstance(module, nn.BatchNorm2d):
            init.normal_(module.weight, mean=1.0, std=std)
            init.zeros_(module.bias)
            init.zeros_(module.running_mean)
            init.ones_(module.running_var)
            init.zeros_(module.num_batches_tracked)


class GANModel(GANPreTrainedModel):
    """
    Generator and discriminator of a GAN. `model.generator` and `model.discriminator` are the two networks
    (optimise them separately); `model.generate(num_images, seed)` samples images; `model(...)` runs either or both.
    """

    def __init__(self, config: GANConfig):
        super().__init__(config)
        self.generator = Generator(config)
        self.discriminator = Discriminator(config)
        self.post_init()

    def forward(
        self,
        noise: torch.Tensor | None = None,
        labels: torch.LongTensor | None = None,
        pixel_values: torch.Tensor | None = None,
        real_labels: torch.LongTensor | None = None,
        discriminate_generated: bool = True,
        return_dict: bool | None = None,
        **kwargs,
    ) -> GANOutput:
        r"""
        Args:
            noise (`torch.FloatTensor` of shape `(batch_size, latent_dim)`, *optional*):
                Generator input; see [`GANModel.sample_noise`]. Gives `generated_images` (and `fake_logits`).
            labels (`torch.LongTensor` of shape `(batch_size,)`, *optional*):
                Class ids for a conditional GAN (required there, refused by an unconditional one). They go with
                `noise`, and with `pixel_values` too unless `real_labels` is given.
            pixel_values (`torch.FloatTensor` of shape `(batch_size, num_channels, image_size, image_size)`,
                *optional*): Real images in `[0, 1]` to score: gives `real_logits`.
            real_labels (`torch.LongTensor` of shape `(batch_size,)`, *optional*): Labels of `pixel_values`.
            discriminate_generated (`bool`, defaults to `True`): Also score the generated images.
        """
        if noise is None and pixel_values is None:
            raise ValueError("Pass noise (to generate images) and/or pixel_values (to score real images).")
        generated = fake_logits = real_logits = None
        if noise is not None:
            generated = self.generator(noise, labels)
            if discriminate_generated:
                fake_logits = self.discriminator(generated, labels)
        if pixel_values is not None:
            real_logits = self.discriminator(pixel_values, real_labels if real_labels is not None else labels)
        return GANOutput(generated_images=generated, fake_logits=fake_logits, real_logits=real_logits)

    # --- sampling --------------------------------------------------------------------------------------------
    #
    # What a seed means. The latents are drawn from one `torch.Generator` in blocks of NOISE_BLOCK images: the
    # block's noise (n, Z), then its labels when the model draws them. The generator network then runs over that
    # stream in batches of `batch_size`. So the images of a seed do not depend on `batch_size` (the noise is the
    # same bits; the images too up to the last float bit that a matmul of another shape may round differently),
    # nor on the device: a seed (an int) makes a CPU generator, the noise is drawn on the CPU and moved to the
    # model's device. For num_images <= NOISE_BLOCK the draw is the one earlier releases made (all the noise, then
    # all the labels), and with num_images <= batch_size the images are bit-identical to theirs.

    def sample_noise(
        self, num_images: int, generator: torch.Generator | None = None, device: torch.device | str | None = None
    ) -> torch.Tensor:
        """(num_images, latent_dim) standard normal noise, drawn where `generator` lives (the CPU for a CPU or no
        generator: the same numbers whatever device the model is on), then moved to `device` (default: the model's).
        """
        noise = torch.randn(num_images, self.config.latent_dim, generator=generator, device=_rng_device(generator))
        return noise.to(device if device is not None else self.device)

    def sample_labels(self, num_images: int, generator: torch.Generator | None = None) -> torch.LongTensor | None:
        """(num_images,) class ids drawn from `config.label_prior` (uniform when unset), where `generator` lives (the
        CPU by default); `None` for an unconditional GAN."""
        if not self.config.is_conditional:
            return None
        where = _rng_device(generator)
        if self.config.label_prior is None:
            return torch.randint(self.config.num_classes, (num_images,), generator=generator, device=where)
        prior = torch.tensor(self.config.label_prior, dtype=torch.float64, device=where)
        return torch.multinomial(prior, num_images, replacement=True, generator=generator)

    def generate(
        self,
        num_images: int = 16,
        seed: int | torch.Generator | None = 0,
        labels: int | list[int] | torch.Tensor | None = None,
        batch_size: int | None = DEFAULT_BATCH_SIZE,
        output_type: str = "pt",
    ) -> torch.Tensor | np.ndarray | list[Image.Image]:
        """
        Sample `num_images` images. `output_type`:

        - `"pt"`: a float32 tensor `(num_images, num_channels, image_size, image_size)` in `[0, 1]`, on the model's
          device;
        - `"np"`: a float32 numpy array `(num_images, image_size, image_size, num_channels)` in `[0, 1]` (what
          diffusers pipelines return for `output_type="np"`);
        - `"pil"`: a list of `PIL.Image` (mode `"L"` for one channel, `"RGB"` for three).

        This is the GAN's own sampler, not transformers' `GenerationMixin.generate` (which is for token sequences).
        It runs in eval mode (BatchNorm uses its running statistics) without gradients, restores the training
        mode afterwards, and never touches the global RNG: noise (and default labels) come from a
        `torch.Generator` seeded with `seed` (see "What a seed means" above: the same seed gives the same images
        whatever `batch_size` or device). Pass a `torch.Generator` as `seed` to continue one stream across calls
        (its numbers are drawn on its own device); `seed=None` draws a fresh random seed.

        `labels` (conditional models only): one int for all images, or one id per image. Left out, a conditional
        model draws labels from the same seed, uniformly or from `config.label_prior` (a self-conditioned model's
        cluster frequencies): see [`GANModel.sample_labels`].

        `batch_size` bounds what one pass of the generator holds in memory (activations of `batch_size` images;
        `None`: all at once). The result itself is `num_images` images, built batch by batch into one result: a
        call whose result would exceed `MAX_GENERATE_BYTES` (4 GB: ~1.3 million 28x28 images as floats, ~1 million
        as PIL images) raises a ValueError before drawing anything. For more, iterate over
        [`GANModel.generate_batches`], which yields the same images one batch at a time.
        """
        _check_output_type(output_type)
        self._check_result_size(num_images, output_type)
        batches = self.generate_batches(num_images, seed=seed, labels=labels, batch_size=batch_size)
        if output_type == "pil":
            return [image for batch in batches for image in to_pil_images(batch)]
        c, s = self.config.num_channels, self.config.image_size
        out, start = None, 0
        for batch in batches:  # (B, C, H, W), filled into one preallocated result: no second copy of it
            if out is None:
                out = (torch.empty((num_images, c, s, s), device=batch.device) if output_type == "pt"
                       else np.empty((num_images, s, s, c), dtype=np.float32))
            out[start : start + len(batch)] = batch if output_type == "pt" else batch.permute(0, 2, 3, 1).cpu().numpy()
            start += len(batch)
        return out

    def _check_result_size(self, num_images, output_type: str) -> None:
        """Refuse a generate() whose result alone would exceed MAX_GENERATE_BYTES, naming generate_batches."""
        if isinstance(num_images, bool) or not isinstance(num_images, int):
            return  # _prepare_sampling names the mistake
        pixels = self.config.num_channels * self.config.image_size**2
        per_image = pixels + PIL_IMAGE_OVERHEAD if output_type == "pil" else 4 * pixels  # uint8 or float32
        if num_images * per_image <= MAX_GENERATE_BYTES:
            return
        most = MAX_GENERATE_BYTES // per_image
        raise ValueError(
            f"generate(num_images={num_images:,}, output_type={output_type!r}) would hold "
            f"{_gigabytes(num_images * per_image)} of images at once, more than MAX_GENERATE_BYTES "
            f"({_gigabytes(MAX_GENERATE_BYTES)}, {most:,} such images). Iterate over "
            f"generate_batches(num_images={num_images}, seed=..., batch_size=...) instead: it yields the same images "
            "one batch at a time, so memory stays bounded by one batch."
        )

    def generate_batches(
        self,
        num_images: int = 16,
        seed: int | torch.Generator | None = 0,
        labels: int | list[int] | torch.Tensor | None = None,
        batch_size: int | None = DEFAULT_BATCH_SIZE,
    ) -> Iterator[torch.Tensor]:
        """
        The images of `generate(num_images, seed, labels)` as an iterator of float32 tensors `(B, C, H, W)` in
        `[0, 1]` on the model's device, `B <= batch_size`, drawn lazily: memory stays bounded by one batch however
        many images are asked for (e.g. to score or write 10**7 samples).
        """
        rng, labels = self._prepare_sampling(num_images, seed, labels, batch_size)
        for noise, batch_labels in self._latent_batches(num_images, rng, labels, batch_size or num_images):
            yield self._decode(noise, batch_labels)

    def interpolate(
        self,
        seed_a: int | torch.Generator,
        seed_b: int | torch.Generator,
        steps: int = 8,
        label: int | None = None,
        method: str = "slerp",
        output_type: str = "pt",
    ) -> torch.Tensor | np.ndarray | list[Image.Image]:
        """
        `steps` images along a path in latent space from the image of `generate(1, seed=seed_a)` to that of
        `generate(1, seed=seed_b)` (both ends included, exactly those latents). Output as in [`GANModel.generate`].

        `method="slerp"` (default) walks the great circle between the two noise vectors (Shoemake 1985; White 2016,
        "Sampling Generative Networks"): Gaussian noise in `latent_dim` dimensions lies near the sphere of radius
        sqrt(latent_dim), while the midpoint of a straight line between two draws has only ~0.71 of that norm, an
        input the generator never saw in training (washed-out, averaged images). `"linear"` is the straight line.

        `label` (conditional models): the class of the whole path; left out, the label `generate(1, seed=seed_a)`
        draws (so the first image is exactly that one; the last equals `generate(1, seed=seed_b, labels=label)`).
        """
        _check_output_type(output_type)
        if method not in ("slerp", "linear"):
            raise ValueError(f"method must be 'slerp' or 'linear', got {method!r}.")
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 2:
            raise ValueError(f"steps must be an int >= 2 (the two ends included), got {steps!r}.")
        z_a, label_a = self._first_latent(seed_a)  # (Z,), () or None
        z_b, _ = self._first_latent(seed_b)
        if label is not None:
            _, labels = self._prepare_sampling(steps, 0, label, None)
        else:
            labels = None if label_a is None else label_a.expand(steps)
        t = torch.tensor([i / (steps - 1) for i in range(steps)], dtype=torch.float64)  # exactly 0 ... 1
        path = slerp(z_a, z_b, t) if method == "slerp" else lerp(z_a, z_b, t)  # (steps, Z)
        images = self._decode(path, labels)
        if output_type == "pt":
            return images
        if output_type == "np":
            return images.permute(0, 2, 3, 1).cpu().numpy()
        return to_pil_images(images)

    # --- sampling internals -----------------------------------------------------------------------------------

    def _prepare_sampling(self, num_images, seed, labels, batch_size) -> tuple[torch.Generator, torch.Tensor | None]:
        """Check the arguments; the seeded generator and the user's labels as a (num_images,) tensor (or None)."""
        if isinstance(num_images, bool) or not isinstance(num_images, int) or num_images <= 0:
            raise ValueError(f"num_images must be a positive int, got {num_images!r}.")
        if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int)
                                       or batch_size <= 0):
            raise ValueError(f"batch_size must be a positive int (or None: all at once), got {batch_size!r}.")
        if isinstance(seed, torch.Generator):
            rng = seed
        else:
            rng = torch.Generator().manual_seed(secrets.randbits(63) if seed is None else int(seed))
        if labels is not None:
            if not self.config.is_conditional:
                _check_labels(self.config, labels, num_images, "generator")  # raises: unconditional
            labels = torch.as_tensor(labels).cpu()  # checked here, moved to the device batch by batch
            if labels.dim() == 0:
                labels = labels.expand(num_images)
            _check_labels(self.config, labels, num_images, "generator")
        return rng, labels

    def _latent_batches(
        self, num_images: int, rng: torch.Generator, labels: torch.Tensor | None, batch_size: int
    ) -> Iterator[tuple[torch.Tensor, torch.Tensor | None]]:
        """(noise (B, Z), labels (B,) or None) batches of the seeded stream: drawn NOISE_BLOCK images at a time
        (noise, then labels), handed out `batch_size` at a time, so the stream does not depend on `batch_size`."""
        noise_parts, label_parts, have, drawn = [], [], 0, 0
        for start in range(0, num_images, batch_size):
            need = min(batch_size, num_images - start)
            while have < need:  # draw the next block
                n = min(NOISE_BLOCK, num_images - drawn)
                noise_parts.append(self.sample_noise(n, rng, device=_rng_device(rng)))
                block_labels = self.sample_labels(n, rng) if labels is None else labels[drawn : drawn + n]
                label_parts.append(block_labels)
                have, drawn = have + n, drawn + n
            noise = noise_parts[0] if len(noise_parts) == 1 else torch.cat(noise_parts)
            batch_labels = None if label_parts[0] is None else (
                label_parts[0] if len(label_parts) == 1 else torch.cat(label_parts))
            yield noise[:need], None if batch_labels is None else batch_labels[:need]
            noise_parts, label_parts = [noise[need:]], [None if batch_labels is None else batch_labels[need:]]
            have -= need

    def _first_latent(self, seed) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The noise (Z,) and drawn label (or None) of `generate(1, seed=seed)`, on the CPU."""
        rng, _ = self._prepare_sampling(1, seed, None, None)
        noise, labels = next(self._latent_batches(1, rng, None, 1))
        return noise[0].cpu(), None if labels is None else labels[0].cpu()

    def _decode(self, noise: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        """One batch of latents through the generator in eval mode, without gradients: (B, C, H, W) float32.
        The training mode is restored before returning (nothing is held across the yields of generate_batches)."""
        was_training = self.generator.training
        self.generator.eval()
        try:
            with torch.no_grad():
                y = labels.to(self.device) if labels is not None else None
                return self.generator(noise.to(self.device), y).float().clamp_(0, 1)
        finally:
            self.generator.train(was_training)


def _gigabytes(count: int) -> str:
    return f"{count / 1e9:.1f} GB"


def _rng_device(generator: torch.Generator | None) -> torch.device:
    """Where a generator draws: its own device (a CUDA generator cannot fill a CPU tensor, nor the reverse)."""
    return generator.device if generator is not None else torch.device("cpu")


def _check_output_type(output_type: str) -> None:
    if output_type not in OUTPUT_TYPES:
        raise ValueError(f"output_type must be one of {OUTPUT_TYPES}, got {output_type!r}.")


def lerp(z_a: torch.Tensor, z_b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """(Z,), (Z,), t (T,) float64 -> (T, Z) float32: (1 - t) z_a + t z_b, computed in float64 (exact at t = 0, 1)."""
    a, b, t = z_a.double(), z_b.double(), t[:, None]
    return ((1 - t) * a + t * b).float()


def slerp(z_a: torch.Tensor, z_b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """(Z,), (Z,), t (T,) float64 -> (T, Z) float32 on the great circle from z_a to z_b:
    sin((1 - t) theta) / sin(theta) z_a + sin(t theta) / sin(theta) z_b, theta the angle between them.
    Exactly z_a at t = 0 and z_b at t = 1; a straight line when the two are (nearly) parallel."""
    a, b = z_a.double(), z_b.double()
    cos = torch.dot(a, b) / (a.norm() * b.norm()).clamp(min=1e-300)
    theta = torch.arccos(cos.clamp(-1.0, 1.0))
    if torch.sin(theta) < 1e-6:
        return lerp(z_a, z_b, t)
    t = t[:, None]
    w_a, w_b = torch.sin((1 - t) * theta) / torch.sin(theta), torch.sin(t * theta) / torch.sin(theta)
    return (w_a * a + w_b * b).float()


# --- losses and checks for training recipes -----------------------------------------------------------------


def discriminator_loss(
    real_logits: torch.Tensor, fake_logits: torch.Tensor, real_label_smoothing: float = 0.0
) -> torch.Tensor:
    """BCE of real images against 1 (or `1 - real_label_smoothing`) plus BCE of fake images against 0, on logits.

    Sum of the two means, as in the PyTorch DCGAN example (the tutorial's two `train_on_batch` calls average
    them instead: half this value). Pass `fake_logits` of *detached* generated images.
    """
    real_logits, fake_logits = real_logits.float(), fake_logits.float()
    real_target = torch.full_like(real_logits, 1.0 - real_label_smoothing)
    real = F.binary_cross_entropy_with_logits(real_logits, real_target)
    fake = F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
    return real + fake


def generator_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """Non-saturating generator loss: BCE of the discriminator's logits on generated images against 1."""
    fake_logits = fake_logits.float()
    return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))


def discriminator_stats(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> dict[str, float]:
    """Mean D(x) and D(G(z)) as probabilities and D's accuracy: the usual GAN health readings for logs."""
    real_p, fake_p = torch.sigmoid(real_logits.detach().float()), torch.sigmoid(fake_logits.detach().float())
    accuracy = torch.cat([(real_p > 0.5).float(), (fake_p <= 0.5).float()]).mean()
    return {"d_real": real_p.mean().item(), "d_fake": fake_p.mean().item(), "d_accuracy": accuracy.item()}


__all__ = [
    "Discriminator",
    "GANModel",
    "GANOutput",
    "GANPreTrainedModel",
    "Generator",
    "discriminator_loss",
    "discriminator_stats",
    "generator_loss",
]
