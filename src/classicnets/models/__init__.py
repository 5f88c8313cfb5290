from .char_lstm import *  # noqa: F403
from .char_lstm import __all__ as _char_lstm_all
from .gan import *  # noqa: F403
from .gan import __all__ as _gan_all
from .lenet import *  # noqa: F403
from .lenet import __all__ as _lenet_all
from .transformer import *  # noqa: F403
from .transformer import __all__ as _transformer_all

__all__ = [*_char_lstm_all, *_transformer_all, *_gan_all, *_lenet_all]

# A family imports transformers, whose import hook (classicnets._lazy) defers the registration to this point, where
# every family is complete.
from .._lazy import register_if_transformers_loaded  # noqa: E402

register_if_transformers_loaded()
