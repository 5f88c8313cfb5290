"""The recipes `classicnets train <name>` knows."""

import importlib

RECIPES = {
    "char-lstm": "classicnets.training.recipes.char_lstm:CharLSTMRecipe",
    "gan-mnist": "classicnets.training.recipes.gan_mnist:GANMNISTRecipe",
    "transformer-mlm": "classicnets.training.recipes.transformer_mlm:TransformerMLMRecipe",
    "transformer-seq2seq": "classicnets.training.recipes.transformer_seq2seq:TransformerSeq2SeqRecipe",
    "transformer-sst2": "classicnets.training.recipes.transformer_sst2:TransformerSST2Recipe",
}


def get_recipe_class(name: str):
    if name not in RECIPES:
        raise ValueError(f"Unknown recipe {name!r}; choose one of: {', '.join(RECIPES)}.")
    module, cls = RECIPES[name].split(":")
    return getattr(importlib.import_module(module), cls)
