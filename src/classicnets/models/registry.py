"""Registers every model family with the transformers Auto classes.

Each family package exports `AUTO_CLASSES = {"config": ..., "models": {"AutoModelFor...": cls}, "tokenizer": ...}`;
this module is the only place that talks to the Auto registries, so adding a family is one line in
`FAMILY_MODULES`.
"""

import importlib

import transformers
from transformers import AutoConfig, AutoTokenizer

FAMILY_MODULES = [
    "classicnets.models.char_lstm",
]


def family_auto_classes() -> list[dict]:
    return [importlib.import_module(name).AUTO_CLASSES for name in FAMILY_MODULES]


def register_all() -> None:
    """Idempotent: safe to call on every import."""
    for spec in family_auto_classes():
        config_cls = spec["config"]
        AutoConfig.register(config_cls.model_type, config_cls, exist_ok=True)
        # `save_pretrained` then also writes the modelling code and an `auto_map`, so a checkpoint loads with
        # `trust_remote_code=True` where classicnets is not installed.
        config_cls.register_for_auto_class()
        for auto_name, model_cls in spec["models"].items():
            getattr(transformers, auto_name).register(config_cls, model_cls, exist_ok=True)
        main_auto, main_cls = next(reversed(spec["models"].items()))
        main_cls.register_for_auto_class(main_auto)
        tokenizer_cls = spec.get("tokenizer")
        if tokenizer_cls is not None and getattr(tokenizer_cls, "is_fast", None) is not True:
            AutoTokenizer.register(config_cls, slow_tokenizer_class=tokenizer_cls, exist_ok=True)
            tokenizer_cls.register_for_auto_class("AutoTokenizer")
