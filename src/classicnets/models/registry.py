"""Finds the model families and registers them with the transformers Auto classes.

A family is a subpackage of `classicnets.models` whose `__init__` exports `__all__` and
`AUTO_CLASSES = {"config": ..., "models": {"AutoModelFor...": cls}, "tokenizer": ...,
"presets": {name: {field: value}}, "pipelines": [{"task": ..., "pipeline_class": ..., "pt_model": ...}, ...]}`
(or a list of such, one per model type; "tokenizer", "presets" and "pipelines" optional; each pipeline dict is
passed to `PIPELINE_REGISTRY.register_pipeline`). This module is the only place that talks to the Auto
registries; adding a family needs no edit here.
"""

import importlib
import pkgutil
import sys
from types import ModuleType

import transformers
from transformers import AutoConfig, AutoTokenizer, PreTrainedConfig

from ..errors import CheckpointError


def families() -> list[ModuleType]:
    """The family packages, sorted by name: the subpackages of classicnets.models that define AUTO_CLASSES."""
    package = sys.modules[__package__]  # classicnets.models (possibly still importing: it calls this)
    found = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda info: info.name):
        if info.ispkg:
            module = importlib.import_module(f"{__package__}.{info.name}")
            if hasattr(module, "AUTO_CLASSES"):
                found.append(module)
    return found


def family_auto_classes() -> list[dict]:
    """One spec per model type, over every family."""
    specs = []
    for family in families():
        spec = family.AUTO_CLASSES
        specs += spec if isinstance(spec, list) else [spec]
    return specs


def add_from_preset(config_cls, presets: dict[str, dict]) -> None:
    """Give `config_cls` (and its subclasses) `from_preset(name, **overrides)`, built from the family's named
    architectures. Written once here, not in each configuration file: that file travels with every checkpoint
    as remote code, where it may import nothing outside its own folder."""

    def from_preset(cls, name: str, **overrides):
        """A named architecture (see the family's `PRESETS`), with any field overridden."""
        if name not in presets:
            raise ValueError(f"Unknown {cls.__name__} preset {name!r}; choose one of {sorted(presets)}.")
        return cls(**{**presets[name], **overrides})

    from_preset.__qualname__ = f"{config_cls.__name__}.from_preset"
    config_cls.from_preset = classmethod(from_preset)


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
    """Give every family's configs `from_preset` and the foreign-checkpoint check, and register them, their
    models, tokenizers and pipelines with transformers. Idempotent: safe to call on every import."""
    for spec in family_auto_classes():
        config_cls = spec["config"]
        if "presets" in spec:
            add_from_preset(config_cls, spec["presets"])
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
