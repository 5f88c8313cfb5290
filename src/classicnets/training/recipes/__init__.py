"""The recipes `classicnets train <name>` knows: each module here is one, `<snake_name>.py` the recipe
`<snake-name>` (modules whose name starts with `_` are not recipes). Listing them imports none (no torch)."""

import importlib
import pkgutil

from ...errors import OptionError


def recipe_names() -> list[str]:
    """Every recipe's name, sorted, read from the module file names."""
    return sorted(info.name.replace("_", "-") for info in pkgutil.iter_modules(__path__)
                  if not info.ispkg and not info.name.startswith("_"))


def get_recipe_class(name: str):
    """The `Recipe` subclass whose `name` is `name`, from the module of that name (dashes as underscores)."""
    if name not in recipe_names():
        raise OptionError(None, f"Unknown recipe {name!r}; choose one of: {', '.join(recipe_names())}.")
    from ..recipe import Recipe

    module = importlib.import_module(f"{__name__}.{name.replace('-', '_')}")
    for value in vars(module).values():
        if (isinstance(value, type) and issubclass(value, Recipe) and value.__module__ == module.__name__
                and value.name == name):
            return value
    raise LookupError(f"{module.__file__} defines no Recipe subclass whose `name` is {name!r}.")
