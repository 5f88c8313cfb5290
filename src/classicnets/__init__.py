"""classicnets: the classic neural networks as Hugging Face models.

`import classicnets` registers every config, model and tokenizer with the transformers Auto classes, so
`AutoModelForCausalLM.from_pretrained(<char-lstm checkpoint>)` and `pipeline(...)` just work.
"""

from .models import *  # noqa: F403
from .models import __all__ as _models_all
from .models.registry import register_all

__version__ = "0.1.0"

register_all()

__all__ = [*_models_all, "__version__"]
