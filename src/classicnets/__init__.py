"""classicnets: the classic neural networks as Hugging Face models.

`import classicnets` registers every config, model and tokenizer with the transformers Auto classes, so
`AutoModelForCausalLM.from_pretrained(<char-lstm checkpoint>)` and `pipeline(...)` just work.

The import itself is light (no torch, no transformers), so the `classicnets` command starts at once: the model
classes (`classicnets.CharLSTMForCausalLM`, ...) are imported on first use, and the registration runs as soon as
transformers is imported (right away if it already is), before any Auto class can be used.
"""

import importlib

from ._lazy import register_when_transformers_loads

__version__ = "0.1.0"

register_when_transformers_loads()


def __getattr__(name: str):
    """The model families' exports (`classicnets.GANModel`, ...), imported on first use."""
    if name.startswith("__") and name != "__all__":
        raise AttributeError(name)
    # transformers first, so that its import hook registers the families before `models` is used (importing
    # `models` first would fire that hook half-way through it); import_module, as `from . import` recurses here.
    importlib.import_module("transformers")
    models = importlib.import_module(".models", __name__)

    if name == "__all__":
        return [*models.__all__, "__version__"]
    try:
        return getattr(models, name)
    except AttributeError:
        raise AttributeError(f"module 'classicnets' has no attribute {name!r}") from None


def __dir__() -> list[str]:
    return sorted({*globals(), *__getattr__("__all__")})
