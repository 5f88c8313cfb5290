from .char_lstm import *  # noqa: F403
from .char_lstm import __all__ as _char_lstm_all

__all__ = [*_char_lstm_all]
