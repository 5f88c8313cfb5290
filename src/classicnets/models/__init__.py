"""The model families, one subpackage each (found by `registry.families()`): their `__all__` exported from here."""

from .registry import families

__all__ = []
for _family in families():
    globals().update({name: getattr(_family, name) for name in _family.__all__})
    __all__ += _family.__all__
del _family

# A family imports transformers, whose import hook (classicnets._lazy) defers the registration to this point, where
# every family is complete.
from .._lazy import register_if_transformers_loaded  # noqa: E402

register_if_transformers_loaded()
