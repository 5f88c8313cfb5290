from .arguments import TrainingArguments
from .engine import Engine, TrainingDivergedError
from .recipe import Recipe
from .recipes import RECIPES, get_recipe_class

__all__ = ["RECIPES", "Engine", "Recipe", "TrainingArguments", "TrainingDivergedError", "get_recipe_class"]
