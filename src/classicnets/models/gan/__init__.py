from transformers import AutoModel

from .configuration_gan import PRESETS as GAN_PRESETS
from .configuration_gan import GANConfig
from .image_utils import make_image_grid, save_image_grid, to_pil_images
from .modeling_gan import (
    Discriminator,
    GANModel,
    GANOutput,
    GANPreTrainedModel,
    Generator,
    discriminator_loss,
    discriminator_stats,
    generator_loss,
)
from .pipeline_gan import TASK as GAN_PIPELINE_TASK
from .pipeline_gan import GANImageGenerationPipeline

# How this family plugs into the transformers Auto classes (read by classicnets.models.registry).
AUTO_CLASSES = {
    "config": GANConfig,
    "models": {"AutoModel": GANModel},
    "tokenizer": None,
    "presets": GAN_PRESETS,
    # pipeline("unconditional-image-generation", model=<GAN checkpoint>) -> PIL images (labels= when conditional).
    "pipelines": [{"task": GAN_PIPELINE_TASK, "pipeline_class": GANImageGenerationPipeline, "pt_model": AutoModel,
                   "type": "image"}],
}

__all__ = [
    "GAN_PRESETS",
    "Discriminator",
    "GANConfig",
    "GANImageGenerationPipeline",
    "GANModel",
    "GANOutput",
    "GANPreTrainedModel",
    "Generator",
    "discriminator_loss",
    "discriminator_stats",
    "generator_loss",
    "make_image_grid",
    "save_image_grid",
    "to_pil_images",
]
