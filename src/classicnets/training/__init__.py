"""The training engine and its recipes. Imported lazily (PEP 562): the recipe names the command line lists
(`classicnets.training.recipes.recipe_names()`) must not import torch."""

_EXPORTS = {
    "TrainingArguments": ".arguments",
    "Engine": ".engine",
    "TrainingDivergedError": ".engine",
    "Recipe": ".recipe",
    "TrainingContext": ".context",
    "recipe_names": ".recipes",
    "get_recipe_class": ".recipes",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_EXPORTS[name], __name__), name)
