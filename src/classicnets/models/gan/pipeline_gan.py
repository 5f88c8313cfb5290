"""Images from a GAN the transformers way: `pipeline("unconditional-image-generation", model=...)`.

transformers has no image-generation task (diffusers has): `import classicnets` registers this one with
`PIPELINE_REGISTRY`, and every saved GAN checkpoint declares it in its `config.json` (`custom_pipelines`, see
`GANConfig`) with this file beside the modelling code, so that `pipeline(model=<hub id>, trust_remote_code=True)`
works where classicnets is not installed. Like diffusers' `.images`, a call returns a list of PIL images.

    pipe = pipeline("unconditional-image-generation", model="outputs/gan-mnist")
    images = pipe(num_images=16, seed=0)                    # 16 PIL images, mode "L": gan.generate(16, seed=0)
    digits = pipe(num_images=10, labels=list(range(10)))    # a class-conditional GAN: one image of each digit

This file imports only relative to its own folder (it is shipped as remote code).
"""

import torch
from transformers import Pipeline

from .image_utils import to_pil_images

TASK = "unconditional-image-generation"
FORWARD_PARAMS = ("seed", "labels", "generator_batch_size")
OUTPUT_TYPES = ("pil", "np", "pt")


class GANImageGenerationPipeline(Pipeline):
    """
    `pipe(num_images=1, seed=0, labels=None, batch_size=None, output_type="pil")` -> `num_images` images.

    The arguments are those of `GANModel.generate` (the same seed gives the same images): `labels` for a
    class-conditional model (one id, or one per image), `batch_size` the images per pass of the generator (memory),
    `output_type` `"pil"` (default: a list of `PIL.Image`), `"np"` (float32 `(N, H, W, C)` in [0, 1]) or `"pt"`
    (a CPU tensor `(N, C, H, W)`).
    """

    # Nothing to load beside the model: no tokenizer, image processor, feature extractor or processor.
    _load_processor = False
    _load_image_processor = False
    _load_video_processor = False
    _load_feature_extractor = False
    _load_tokenizer = False

    def __call__(self, num_images: int = 1, *, batch_size: int | None = None, **kwargs):
        # `batch_size` of the base class batches *inputs* through a DataLoader; here it is the generator's batch.
        batch_size = batch_size if batch_size is not None else self._batch_size
        if batch_size is not None:
            kwargs["generator_batch_size"] = batch_size
        return super().__call__(num_images, **kwargs)

    def _sanitize_parameters(self, output_type: str | None = None, **kwargs):
        unknown = sorted(set(kwargs) - set(FORWARD_PARAMS))
        if unknown:
            raise TypeError(f"Unknown argument(s) {unknown} for the {TASK} pipeline: it takes num_images, seed, "
                            "labels, batch_size and output_type.")
        if output_type is not None and output_type not in OUTPUT_TYPES:
            raise ValueError(f"output_type must be one of {OUTPUT_TYPES}, got {output_type!r}.")
        postprocess = {} if output_type is None else {"output_type": output_type}
        return {}, dict(kwargs), postprocess

    def preprocess(self, num_images: int) -> dict:
        if isinstance(num_images, bool) or not isinstance(num_images, int) or num_images <= 0:
            raise ValueError(f"num_images must be a positive int, got {num_images!r}.")
        return {"num_images": num_images}

    def _forward(self, model_inputs: dict, seed=0, labels=None, generator_batch_size: int | None = 1024) -> dict:
        images = self.model.generate(model_inputs["num_images"], seed=seed, labels=labels,
                                     batch_size=generator_batch_size, output_type="pt")
        return {"images": images}  # (N, C, H, W) in [0, 1]; the base class moves it to the CPU

    def postprocess(self, model_outputs: dict, output_type: str = "pil"):
        images: torch.Tensor = model_outputs["images"]
        if output_type == "pt":
            return images
        if output_type == "np":
            return images.permute(0, 2, 3, 1).numpy()  # (N, H, W, C), as diffusers returns
        return to_pil_images(images)


__all__ = ["GANImageGenerationPipeline", "TASK"]
