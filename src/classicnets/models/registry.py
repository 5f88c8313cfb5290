"""Registers every model family with the transformers Auto classes.

Each family package exports `AUTO_CLASSES = {"config": ..., "models": {"AutoModelFor...": cls}, "tokenizer": ...,
"pipelines": [{"task": ..., "pipeline_class": ..., "pt_model": ...}, ...]}` (or a list of such, one per model type;
"tokenizer" and "pipelines" optional; each pipeline dict is passed to `PIPELINE_REGISTRY.register_pipeline`); this module is the only place that talks to the Auto registries, so adding a family is one line in
`FAMILY_MODULES`.
"""

import importlib

import transformers
from transformers import AutoConfig, AutoTokenizer

FAMILY_MODULES = [
    "classicnets.models.char_lstm",
    "classicnets.models.transformer",
    "classicnets.models.gan",
    "classicnets.models.lenet",
]


def family_auto_classes() -> list[dict]:
    """One spec per model type, over every family."""
    specs = []
    for name in FAMILY_MODULES:
        spec = importlib.import_module(name).AUTO_CLASSES
        specs += spec if isinstance(spec, list) else [spec]
    return specs


def refuse_foreign_checkpoints(config_cls) -> None:
    """Make `<OurConfig>.from_pretrained` (and so `<OurModel>.from_pretrained`) refuse another model type.

    transformers only logs a warning and then builds our model from a foreign config, which fails later with a
    confusing message (or silently misloads). Done here, once for every family, rather than in each config file.
    """
    if getattr(config_cls.get_config_dict, "_classicnets_checked", False):
        return
    original = config_cls.get_config_dict.__func__

    def get_config_dict(cls, *args, **kwargs):
        config_dict, unused = original(cls, *args, **kwargs)
        found = config_dict.get("model_type")
        if found and found != cls.model_type and not any(
            isinstance(v, dict) and v.get("model_type") == cls.model_type for v in config_dict.values()
        ):
            raise ValueError(
                f"This checkpoint holds a model of type {found!r}, not {cls.model_type!r}: load it with "
                f"AutoModel / AutoConfig (which pick the right class), or point at a {cls.model_type} checkpoint."
            )
        return config_dict, unused

    get_config_dict._classicnets_checked = True
    config_cls.get_config_dict = classmethod(get_config_dict)


def register_all() -> None:
    """Idempotent: safe to call on every import."""
    for spec in family_auto_classes():
        config_cls = spec["config"]
        refuse_foreign_checkpoints(config_cls)
        AutoConfig.register(config_cls.model_type, config_cls, exist_ok=True)
        # `save_pretrained` then also writes the modelling code and an `auto_map`, so a checkpoint loads with
        # `trust_remote_code=True` where classicnets is not installed.
        config_cls.register_for_auto_class()
        for auto_name, model_cls in spec["models"].items():
            getattr(transformers, auto_name).register(config_cls, model_cls, exist_ok=True)
            model_cls.register_for_auto_class(auto_name)
        for pipeline_spec in spec.get("pipelines", []):
            from transformers.pipelines import PIPELINE_REGISTRY

            PIPELINE_REGISTRY.register_pipeline(**pipeline_spec)
        tokenizer_cls = spec.get("tokenizer")
        if tokenizer_cls is not None and getattr(tokenizer_cls, "is_fast", None) is not True:
            AutoTokenizer.register(config_cls, slow_tokenizer_class=tokenizer_cls, exist_ok=True)
            tokenizer_cls.register_for_auto_class("AutoTokenizer")
