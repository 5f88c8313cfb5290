"""Find a checkpoint (a local run folder or a Hub id), tell which family it is from its config.json, load it.

Shared by `classicnets generate / classify / demo / space` and the Gradio demos. Every mistake a user can make
(a typo in the path, a Hub id that does not exist, a folder without a model, a checkpoint of another family)
becomes one `CheckpointError` with a one-line message that names the problem and the fix; the commands print it
and exit 1.

    ref = resolve_checkpoint("outputs/char-lstm")    # or "my-org/char-lstm-shakespeare"
    family = detect_family(read_config(ref))          # "char-lstm", "transformer-sst2" or "gan-mnist"
    model, tokenizer = load_checkpoint(ref, family)

Nothing here imports torch or transformers at module level (the command line builds its parsers without them).
"""

from __future__ import annotations

import json
import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..errors import CheckpointError, UserError  # `classicnets` prints a UserError's one-line message, exit 1

__all__ = ["DEMO_FAMILIES", "Checkpoint", "CheckpointError", "detect_family", "load_checkpoint", "read_config",
           "require_family", "resolve_checkpoint"]

# The families with a demo (and a `generate`/`classify` path), by the model card family names.
DEMO_FAMILIES = ("char-lstm", "transformer-sst2", "gan-mnist")
# What a user reads in an error, per family.
DESCRIPTIONS = {
    "char-lstm": "a char-LSTM language model",
    "transformer-sst2": "a Transformer text classifier",
    "gan-mnist": "a GAN image generator",
    "transformer-mlm": "a masked-language-model Transformer",
    "transformer-seq2seq": "a sequence-to-sequence Transformer",
    "lenet": "a LeNet image classifier",
}
# A Hub model id as classicnets models are published: `namespace/name` (letters, digits, `-`, `_`, `.`; no `--`
# or `..`). A bare `name` is taken for a mistyped folder rather than one of the Hub's few legacy un-namespaced repos.
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]{0,95}/[A-Za-z0-9][\w.-]{0,95}$")


@dataclass(frozen=True)
class Checkpoint:
    """Where a checkpoint lives: `path` is what `from_pretrained` takes (a folder or a Hub id)."""

    path: str
    is_local: bool

    def __str__(self) -> str:
        return self.path


def resolve_checkpoint(ref: str | Path) -> Checkpoint:
    """A local folder holding `config.json`, or a Hub model repo that has one; `CheckpointError` otherwise."""
    text = str(ref)
    path = Path(text).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            hint = _nested_model_hint(path)
            raise CheckpointError(f"{text} has no config.json, so it holds no saved model{hint}.")
        return Checkpoint(str(path), True)
    if path.exists():
        raise CheckpointError(f"{text} is a file: pass the folder that holds config.json, or a Hub id (org/name).")
    if not _looks_like_hub_id(text):
        raise CheckpointError(f"No such folder or Hub repo: {text!r} (check the path, or use a Hub id org/name).")
    _hub_file(text, "config.json")  # raises a clear CheckpointError for a missing repo or file
    return Checkpoint(text, False)


def read_config(checkpoint: Checkpoint) -> dict:
    """The parsed config.json of a resolved checkpoint (downloaded into the Hub cache for a Hub id)."""
    file = Path(checkpoint.path) / "config.json" if checkpoint.is_local else Path(_hub_file(checkpoint.path,
                                                                                             "config.json"))
    try:
        config = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise CheckpointError(f"The config.json of {checkpoint} cannot be read as JSON ({err}).") from None
    if not isinstance(config, dict):
        raise CheckpointError(f"The config.json of {checkpoint} is not a JSON object.")
    return config


def detect_family(config: dict) -> str:
    """`"char-lstm"`, `"transformer-sst2"`, `"gan-mnist"` (or another classicnets family) from a config dict."""
    model_type = config.get("model_type")
    architectures = " ".join(config.get("architectures") or [])
    if model_type == "char_lstm":
        return "char-lstm"
    if model_type == "classic_gan":
        return "gan-mnist"
    if model_type == "classic_transformer_ensemble":
        return "transformer-sst2"
    if model_type == "classic_transformer_seq2seq":
        return "transformer-seq2seq"
    if model_type == "classic_transformer":
        if "SequenceClassification" in architectures:
            return "transformer-sst2"
        if "MaskedLM" in architectures:
            return "transformer-mlm"
        if "Seq2Seq" in architectures:
            return "transformer-seq2seq"
        raise CheckpointError("This Transformer checkpoint names no task head in config.json `architectures` "
                              "(save it with TransformerForSequenceClassification.save_pretrained).")
    if model_type == "classic_lenet":
        return "lenet"
    raise CheckpointError(f"config.json says model_type {model_type!r}, which is not a classicnets model "
                          f"(classicnets reads {', '.join(DEMO_FAMILIES)} checkpoints).")


def require_family(family: str, allowed: tuple[str, ...], what: str, ref) -> None:
    """A one-line `CheckpointError` when `family` is not one `what` (e.g. "`classicnets classify`") handles."""
    if family in allowed:
        return
    wanted = " or ".join(DESCRIPTIONS[f] for f in allowed)
    better = {"char-lstm": "classicnets generate", "gan-mnist": "classicnets generate",
              "transformer-sst2": "classicnets classify"}.get(family)
    hint = f"; for this one use `{better}`" if better and better not in what else ""
    raise CheckpointError(f"{ref} holds {DESCRIPTIONS.get(family, family)}, but {what} needs {wanted}{hint}.")


def load_checkpoint(checkpoint: Checkpoint, family: str, device: str | None = None):
    """`(model, tokenizer)` in eval mode (`tokenizer` is None for a GAN); registers the families first."""
    from transformers import (
        AutoModel,
        AutoModelForCausalLM,
        AutoModelForSequenceClassification,
        AutoTokenizer,
    )

    from ..models.registry import register_all

    register_all()
    auto = {"char-lstm": AutoModelForCausalLM, "transformer-sst2": AutoModelForSequenceClassification,
            "gan-mnist": AutoModel}[family]
    try:
        with quiet_loading():
            model = auto.from_pretrained(checkpoint.path)
    except UserError:
        raise  # already one line naming the file (a wrong model type, ...)
    except (OSError, ValueError) as err:  # a weight file missing from the folder or repo, a config it cannot take
        raise CheckpointError(f"{checkpoint} has a config.json but its model cannot be loaded: "
                              f"{_first_line(err)}") from None
    tokenizer = None if family == "gan-mnist" else _load_tokenizer(checkpoint, family, AutoTokenizer)
    if device:
        model = model.to(device)
    return model.eval(), tokenizer


# The file each family's tokenizer is loaded from (char-LSTM: CharTokenizer's vocab.json; Transformers: the
# `tokenizers` serialization, tokenizer.json).
TOKENIZER_FILES = {"char-lstm": "vocab.json"}


def _load_tokenizer(checkpoint: Checkpoint, family: str, auto):
    """The checkpoint's tokenizer; a missing, truncated or corrupt tokenizer file is one CheckpointError naming it.

    What a bad file raises depends on who reads it: CharTokenizer a ValueError, transformers a JSONDecodeError (a
    ValueError), a KeyError or TypeError (JSON of the wrong shape), `tokenizers` a plain `Exception` from Rust
    ("data did not match any variant of untagged enum ...")."""
    try:
        return auto.from_pretrained(checkpoint.path)
    except UserError:
        raise
    except (OSError, ValueError, KeyError, TypeError) as err:
        problem = err
    except Exception as err:  # noqa: BLE001 - `tokenizers` raises Exception itself for a file it cannot parse
        if type(err) is not Exception:
            raise  # a bug, not a file: keep its traceback
        problem = err
    name = TOKENIZER_FILES.get(family, "tokenizer.json")
    fix = ("Copy the tokenizer files of the run that trained the model back into the folder, or save the tokenizer "
           "again (tokenizer.save_pretrained(folder)).")
    if checkpoint.is_local:
        file = Path(checkpoint.path) / name
        if not file.is_file():
            raise CheckpointError(f"{checkpoint} has a model but no {name}: its tokenizer cannot be loaded. {fix}")
        where = str(file)
    else:
        where = f"The {name} of the Hub repo {checkpoint}"
    reason = _first_line(problem)
    if name in reason and isinstance(problem, ValueError):
        raise CheckpointError(reason)  # the reader's own message names the file and the fix (CharTokenizer's)
    if not isinstance(problem, (OSError, ValueError)):
        reason = f"{type(problem).__name__ if type(problem) is not Exception else 'tokenizers'}: {reason}"
    raise CheckpointError(f"{where} is truncated or corrupt, the tokenizer cannot be loaded ({reason}). {fix}")


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


@contextmanager
def quiet_loading():
    """Without transformers' "Loading weights" bar: a command's output is its text or images (downloads from the
    Hub keep huggingface_hub's own bars)."""
    from transformers.utils import logging

    was_enabled = logging.is_progress_bar_enabled()
    logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            logging.enable_progress_bar()


# --- internals ------------------------------------------------------------------------------------------------


def _looks_like_hub_id(text: str) -> bool:
    return bool(_HUB_ID.match(text)) and "--" not in text and ".." not in text and not text.endswith(".")


def _nested_model_hint(folder: Path) -> str:
    """Point at a saved model one level down (e.g. a checkpoint-* folder), if there is one."""
    inner = sorted(p.parent.name for p in folder.glob("*/config.json"))
    if inner:
        return f" (it has one in {', '.join(str(folder / name) for name in inner[:3])}: pass that folder)"
    return ": pass the folder a training run or save_pretrained wrote"


def _hub_file(repo_id: str, filename: str) -> str:
    """Download one file of a Hub model repo; every failure becomes a one-line CheckpointError."""
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import (
        EntryNotFoundError,
        GatedRepoError,
        HfHubHTTPError,
        HFValidationError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    try:
        return hf_hub_download(repo_id, filename)
    except GatedRepoError:
        raise CheckpointError(f"The Hub repo {repo_id} is gated: accept its conditions on the Hub and log in "
                              "(`hf auth login` or HF_TOKEN).") from None
    except (RepositoryNotFoundError, HFValidationError, RevisionNotFoundError):
        raise CheckpointError(f"No such folder or Hub repo: {repo_id!r} (a private repo needs a token: "
                              "`hf auth login` or HF_TOKEN).") from None
    except LocalEntryNotFoundError:  # before EntryNotFoundError, its base class
        raise CheckpointError(f"No folder {repo_id!r} here, and the Hub could not be reached to look for a repo of "
                              "that name (offline?).") from None
    except EntryNotFoundError:
        raise CheckpointError(f"The Hub repo {repo_id} has no {filename}: it holds no model saved with "
                              "save_pretrained.") from None
    except HfHubHTTPError as err:
        first = str(err).strip().splitlines()[0]
        raise CheckpointError(f"The Hub answered an error for {repo_id}: {first}") from None
