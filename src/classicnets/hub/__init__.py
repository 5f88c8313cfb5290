"""Publishing classicnets checkpoints on the Hugging Face Hub.

* `push_checkpoint(checkpoint_dir, repo_id, ...)`: upload a run folder of `classicnets train` (or a
  `save_pretrained` folder) in one commit: the model (safetensors only), card, pictures, samples and metrics,
  never the training state (`checkpoints/`), links, pickles or absolute local paths; one clear `HubError`
  (never containing the token) when anything goes wrong.
* `render_model_card(card, checkpoint_dir, metrics, ...)`: a `huggingface_hub.ModelCard` with Hub metadata
  (library, license, tags, datasets, pipeline tag, model-index results) from the Jinja2 template of a `CardSpec`
  (what a recipe declares about its family's card).
"""

from .model_card import CardSpec, count_parameters, render_model_card
from .push import PICKLE_PATTERNS, HubError, push_checkpoint, scrub_token

__all__ = [
    "PICKLE_PATTERNS",
    "CardSpec",
    "HubError",
    "count_parameters",
    "push_checkpoint",
    "render_model_card",
    "scrub_token",
]
