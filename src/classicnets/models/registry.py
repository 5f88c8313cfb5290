"""Registers every model family with the transformers Auto classes.

Each family package exports `AUTO_CLASSES = {"config": ..., "models": {"AutoModelFor...": cls}, "tokenizer": ...,
"pipelines": [{"task": ..., "pipeline_class": ..., "pt_model": ...}, ...]}` (or a list of such, one per model type;
"tokenizer" and "pipelines" optional; each pipeline dict is passed to `PIPELINE_REGISTRY.register_pipeline`); this module is the only place that talks to the Auto registries, so adding a family is one line in
`FAMILY_MODULES`.
"""

import importlib
import sys

import transformers
from transformers import AutoConfig, AutoTokenizer, PreTrainedConfig

from ..errors import CheckpointError

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
            source = args[0] if args else kwargs.get("pretrained_model_name_or_path", "This checkpoint")
            raise CheckpointError(foreign_checkpoint_message(source, found, cls))
        return config_dict, unused

    get_config_dict._classicnets_checked = True
    config_cls.get_config_dict = classmethod(get_config_dict)


def foreign_checkpoint_message(source, found: str, config_cls) -> str:
    """Names the model type found, the class that was asked to load it, and the classes that would."""
    asked = _asking_class(config_cls)
    loaders = [m.__name__ for spec in family_auto_classes() if spec["config"].model_type == found
               for m in spec["models"].values()]
    fix = (f"load it with {' or '.join(loaders)} (or its Auto class)" if loaders
           else "load it with the class made for it (an Auto class picks it)")
    return (f"{source} holds a model of type {found!r}, not {config_cls.model_type!r} as {asked.__name__} needs: "
            f"{fix}, or point at a {config_cls.model_type} checkpoint.")


def _asking_class(config_cls) -> type:
    """The model class whose `from_pretrained` is loading this config (the innermost one up the stack), else the
    config class itself: only on the way to an error, so the stack walk costs nothing in normal use."""
    frame = sys._getframe(1)
    while frame is not None:
        asked = frame.f_locals.get("cls") if frame.f_code.co_name == "from_pretrained" else None
        if isinstance(asked, type) and not issubclass(asked, PreTrainedConfig):
            return asked
        frame = frame.f_back
    return config_cls


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

            registered = PIPELINE_REGISTRY.supported_tasks.get(pipeline_spec["task"], {}).get("impl")
            if registered is not pipeline_spec["pipeline_class"]:  # again: transformers logs "Overwriting" on stderr
                PIPELINE_REGISTRY.register_pipeline(**pipeline_spec)
        tokenizer_cls = spec.get("tokenizer")
        if tokenizer_cls is not None and getattr(tokenizer_cls, "is_fast", None) is not True:
            AutoTokenizer.register(config_cls, slow_tokenizer_class=tokenizer_cls, exist_ok=True)
            tokenizer_cls.register_for_auto_class("AutoTokenizer")
