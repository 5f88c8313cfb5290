"""Configuration of the classic GAN (Goodfellow et al. 2014; DCGAN, Radford et al. 2015)."""

import sys

from transformers import PreTrainedConfig

ARCHITECTURES = ("mlp", "dcgan")
OUTPUT_ACTIVATIONS = ("sigmoid", "tanh")


class GANConfig(PreTrainedConfig):
    r"""
    Configuration of a [`GANModel`]: a generator (noise -> image) and a discriminator (image -> one logit), held
    and saved together. Images are `(num_channels, image_size, image_size)` tensors in `[0, 1]` on both sides.

    Args:
        latent_dim (`int`, defaults to 100): Size of the noise vector `z ~ N(0, I)` fed to the generator.
        image_size (`int`, defaults to 28): Height and width of the (square) images.
        num_channels (`int`, defaults to 1): 1 for grey-scale, 3 for RGB.
        architecture (`str`, defaults to `"mlp"`):
            `"mlp"`: fully connected layers on flattened images (the tutorial's GAN).
            `"dcgan"`: Radford et al.: transposed convolutions + BatchNorm + ReLU in the generator, strided
            convolutions + LeakyReLU in the discriminator (no BatchNorm on the generator output or the
            discriminator input). The generator starts from a `image_size / 2**len(generator_hidden_sizes)`
            square map, so `image_size` must be divisible by that power of two.
        generator_hidden_sizes (`list[int]`, defaults to `[128]`):
            `"mlp"`: widths of the hidden layers, noise side first. `"dcgan"`: channels of the feature maps,
            coarsest first; each entry after the first doubles the resolution, and so does the output layer.
        discriminator_hidden_sizes (`list[int]`, defaults to `[128]`):
            `"mlp"`: widths of the hidden layers, image side first. `"dcgan"`: channels of the strided
            convolutions (each halves the resolution), image side first.
        num_classes (`int` or `None`, defaults to `None`):
            Set it for a class-conditional GAN: the generator gets a label embedding concatenated to the noise,
            and the discriminator is a projection discriminator (Miyato & Koyama 2018):
            `logit = w.h + b + <embed(y), h>` with `h` its last hidden features. `None`: unconditional.
        label_prior (`list[float]` or `None`, defaults to `None`):
            Probabilities of the `num_classes` ids when the model draws labels itself (`generate()` without
            `labels`); `None` means uniform.
        self_conditioned (`bool`, defaults to `False`):
            `num_classes` counts *clusters* of the training images (k-means, found without labels; Liu et al.
            2020, "Diverse image generation via self-conditioned GANs"), not classes a user chooses: the model is
            used as an unconditional one (`generate()` draws clusters from `label_prior`), while its generator
            and discriminator are conditioned on the cluster, which keeps each mode apart.
        label_embedding_dim (`int` or `None`, defaults to `None`):
            Size of the generator's label embedding; `None` means `num_classes`. Ignored when unconditional.
        discriminator_output (`str`, defaults to `"logit"`):
            The discriminator ends in a linear layer and returns a *logit*; train it with
            `binary_cross_entropy_with_logits` (see [`discriminator_loss`], [`generator_loss`]). The tutorial
            puts a sigmoid at the end and uses plain BCE: `sigmoid(logit)` is exactly its probability and the
            loss is the same function, computed without the overflow of `log(sigmoid(x))` for large `|x|`.
            `"logit"` is the only value; the field records the convention in saved configs.
        output_activation (`str`, defaults to `"sigmoid"`):
            Last generator activation. `"sigmoid"` (the tutorial) or `"tanh"` (DCGAN), which is mapped to
            `[0, 1]` as `(tanh(x) + 1) / 2`. Note `(tanh(x) + 1) / 2 == sigmoid(2x)`: the two differ only by a
            factor of 2 in the last pre-activation, which matters for the learning dynamics, not the range.
            The DCGAN discriminator sees images rescaled to `[-1, 1]` (the paper's preprocessing) internally.
        leaky_relu_slope (`float`, defaults to 0.2):
            Negative slope of the discriminator's LeakyReLU; 0 gives the plain ReLU of the tutorial's
            discriminator. The generator always uses ReLU.
        use_batch_norm (`bool`, defaults to `True`): BatchNorm in the `"dcgan"` layers (ignored by `"mlp"`).
        discriminator_batch_norm (`bool` or `None`, defaults to `None`):
            BatchNorm in the `"dcgan"` discriminator; `None` follows `use_batch_norm`. `False` keeps it in the
            generator only: the discriminator then scores every image on its own, not through statistics of
            the batch it came in (real and generated images are scored in separate batches).
        discriminator_minibatch_std (`bool`, defaults to `False`):
            Append the minibatch standard deviation (Karras et al. 2018, ProGAN) as one more feature map before the
            discriminator's head: the spread of the batch's features, the same for every image, against mode
            collapse. Real and generated images go through the discriminator in separate batches.
        initializer_range (`float`, defaults to 0.02):
            Std of the N(0, std) initialisation of every linear/convolution/embedding weight (biases 0);
            BatchNorm weights are N(1, std) (DCGAN).

    Example:

    ```python
    >>> from classicnets import GANConfig, GANModel
    >>> model = GANModel(GANConfig.from_preset("dcgan"))
    >>> images = model.generate(num_images=16, seed=0)  # (16, 1, 28, 28) in [0, 1]
    ```
    """

    model_type = "classic_gan"

    latent_dim: int = 100
    image_size: int = 28
    num_channels: int = 1
    architecture: str = "mlp"
    generator_hidden_sizes: list[int] | None = None
    discriminator_hidden_sizes: list[int] | None = None
    num_classes: int | None = None
    label_prior: list[float] | None = None
    self_conditioned: bool = False
    label_embedding_dim: int | None = None
    discriminator_output: str = "logit"
    output_activation: str = "sigmoid"
    leaky_relu_slope: float = 0.2
    use_batch_norm: bool = True
    discriminator_batch_norm: bool | None = None
    discriminator_minibatch_std: bool = False
    initializer_range: float = 0.02

    def __post_init__(self, **kwargs):
        if self.generator_hidden_sizes is None:
            self.generator_hidden_sizes = [128]
        if self.discriminator_hidden_sizes is None:
            self.discriminator_hidden_sizes = [128]
        self.generator_hidden_sizes = [int(h) for h in self.generator_hidden_sizes]
        self.discriminator_hidden_sizes = [int(h) for h in self.discriminator_hidden_sizes]
        for name in ("latent_dim", "image_size", "num_channels"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"GANConfig.{name} must be >= 1, got {getattr(self, name)}.")
        if self.architecture not in ARCHITECTURES:
            raise ValueError(f"GANConfig.architecture must be one of {ARCHITECTURES}, got {self.architecture!r}.")
        if self.output_activation not in OUTPUT_ACTIVATIONS:
            raise ValueError(
                f"GANConfig.output_activation must be one of {OUTPUT_ACTIVATIONS}, got {self.output_activation!r}."
            )
        if self.discriminator_output != "logit":
            raise ValueError(
                f"GANConfig.discriminator_output must be 'logit', got {self.discriminator_output!r}: the "
                "discriminator returns logits; apply torch.sigmoid for the tutorial's probability."
            )
        for name in ("generator_hidden_sizes", "discriminator_hidden_sizes"):
            sizes = getattr(self, name)
            if any(h < 1 for h in sizes):
                raise ValueError(f"GANConfig.{name} must hold positive sizes, got {sizes}.")
            if self.architecture == "dcgan" and not sizes:
                raise ValueError(f"GANConfig.{name} needs at least one entry for the 'dcgan' architecture.")
        if self.architecture == "dcgan":
            for name in ("generator_hidden_sizes", "discriminator_hidden_sizes"):
                factor = 2 ** len(getattr(self, name))
                if self.image_size % factor:
                    raise ValueError(
                        f"'dcgan' with {len(getattr(self, name))} {name} halves the resolution that many times, so "
                        f"image_size must be divisible by {factor}; got {self.image_size}."
                    )
        if self.num_classes is not None and int(self.num_classes) < 2:
            raise ValueError(f"GANConfig.num_classes must be >= 2 (or None for unconditional), got {self.num_classes}.")
        if self.label_prior is not None:
            if self.num_classes is None or len(self.label_prior) != int(self.num_classes):
                raise ValueError(f"GANConfig.label_prior needs one probability per class (num_classes="
                                 f"{self.num_classes}), got {len(self.label_prior)}.")
            if any(p < 0 for p in self.label_prior) or sum(self.label_prior) <= 0:
                raise ValueError("GANConfig.label_prior must hold non-negative numbers with a positive sum.")
            total = float(sum(self.label_prior))
            self.label_prior = [float(p) / total for p in self.label_prior]
        if self.self_conditioned and self.num_classes is None:
            raise ValueError("GANConfig.self_conditioned needs num_classes (the number of clusters).")
        if self.num_classes is not None and self.label_embedding_dim is None:
            self.label_embedding_dim = int(self.num_classes)
        if self.label_embedding_dim is not None and self.label_embedding_dim < 1:
            raise ValueError(f"GANConfig.label_embedding_dim must be >= 1, got {self.label_embedding_dim}.")
        if self.leaky_relu_slope < 0:
            raise ValueError(f"GANConfig.leaky_relu_slope must be >= 0, got {self.leaky_relu_slope}.")
        super().__post_init__(**kwargs)

    @property
    def discriminator_uses_batch_norm(self) -> bool:
        return self.use_batch_norm if self.discriminator_batch_norm is None else bool(self.discriminator_batch_norm)

    @property
    def custom_pipelines(self) -> dict:
        """
        The pipeline a saved checkpoint declares in its config.json (see [`declared_pipelines`]): what lets
        `pipeline(model=<repo>, trust_remote_code=True)` run the repo's pipeline_gan.py where classicnets is not
        installed. Derived from the code, like `model_type` (a value read from a config.json is ignored).

        Empty in a process where that task is registered with transformers (`import classicnets` does it):
        transformers' `pipeline()` would otherwise insist on `trust_remote_code=True` and run the repo's copy even
        though the code is installed (it prefers installed code for the Auto classes, not for pipelines).
        """
        from .pipeline_gan import TASK

        pipelines = sys.modules.get("transformers.pipelines")
        registry = getattr(pipelines, "PIPELINE_REGISTRY", None)
        if registry is not None and TASK in registry.supported_tasks:
            return {}
        return declared_pipelines()

    @custom_pipelines.setter
    def custom_pipelines(self, value) -> None:
        pass  # derived (see the getter); transformers sets it from a config.json, Pipeline.save_pretrained too

    def to_dict(self) -> dict:
        output = super().to_dict()
        output["custom_pipelines"] = declared_pipelines()  # every saved config declares it
        return output

    @property
    def is_conditional(self) -> bool:
        """The networks take labels (class ids, or cluster ids when `self_conditioned`)."""
        return self.num_classes is not None

    @property
    def takes_user_labels(self) -> bool:
        """A user asks for classes: conditional and not self-conditioned."""
        return self.num_classes is not None and not self.self_conditioned


def declared_pipelines() -> dict:
    """`{"unconditional-image-generation": {"impl": "pipeline_gan.GANImageGenerationPipeline", "pt": ["AutoModel"]}}`:
    the `custom_pipelines` entry of a saved config.json. `pt` names the transformers Auto class that loads the model
    (transformers looks it up by name in its own namespace).

    The import is relative on purpose: transformers copies the files a saved module imports relatively, so
    pipeline_gan.py goes into every checkpoint with this file."""
    from .pipeline_gan import TASK, GANImageGenerationPipeline

    return {TASK: {"impl": f"pipeline_gan.{GANImageGenerationPipeline.__name__}", "pt": ["AutoModel"]}}


# Named architectures for `GANConfig.from_preset(name, **overrides)` (AUTO_CLASSES["presets"]).
PRESETS: dict[str, dict] = {
    # The tutorial: G 100 -> 128 ReLU -> 784 sigmoid (114,064 params), D 784 -> 128 ReLU -> 1 (100,609 params).
    "mlp": {"architecture": "mlp", "latent_dim": 100, "generator_hidden_sizes": [128],
            "discriminator_hidden_sizes": [128], "leaky_relu_slope": 0.0, "output_activation": "sigmoid"},
    # Radford et al., scaled to 28x28 and a CPU budget: G z -> 128x7x7 -> 64x14x14 -> 1x28x28, D the mirror.
    "dcgan": {"architecture": "dcgan", "latent_dim": 100, "generator_hidden_sizes": [128, 64],
              "discriminator_hidden_sizes": [64, 128], "leaky_relu_slope": 0.2, "output_activation": "tanh"},
    # Half the channels, ~4x fewer FLOPs in the costly middle layers: more steps per CPU-minute.
    "dcgan-small": {"architecture": "dcgan", "latent_dim": 100, "generator_hidden_sizes": [64, 32],
                    "discriminator_hidden_sizes": [32, 64], "leaky_relu_slope": 0.2, "output_activation": "tanh"},
    # The same as "dcgan" with a label: generator input [z, embed(y)], projection discriminator.
    "dcgan-conditional": {"architecture": "dcgan", "latent_dim": 100, "generator_hidden_sizes": [128, 64],
                          "discriminator_hidden_sizes": [64, 128], "leaky_relu_slope": 0.2,
                          "output_activation": "tanh", "num_classes": 10},
    # For tests and smoke runs.
    "tiny": {"architecture": "dcgan", "latent_dim": 8, "generator_hidden_sizes": [16, 8],
             "discriminator_hidden_sizes": [8, 16], "leaky_relu_slope": 0.2, "output_activation": "tanh"},
}

__all__ = ["GANConfig", "PRESETS", "declared_pipelines"]
