"""One token per Unicode code point, vocabulary built from a corpus."""

import json
import os
from collections.abc import Iterable

import numpy as np
from transformers import PreTrainedTokenizer

VOCAB_FILES_NAMES = {"vocab_file": "vocab.json"}
SPECIAL_TOKENS = {"pad_token": "<pad>", "unk_token": "<unk>", "bos_token": "<bos>", "eos_token": "<eos>"}


class CharTokenizer(PreTrainedTokenizer):
    """
    Character tokenizer: every code point of the corpus (any script, emoji included) is one token, plus
    `<pad>`, `<unk>`, `<bos>` and `<eos>`. Characters never seen in the corpus encode to `<unk>` (and so decode
    to `"<unk>"`); everything else decodes to exactly the text that was encoded. Special-token strings that
    appear *inside text* are treated as ordinary characters (`split_special_tokens=True`), so a corpus that
    contains the literal text `<eos>` round-trips too.

    Build one with [`CharTokenizer.from_corpus`]; encode a whole corpus fast with [`encode_corpus`]. Its
    `vocab.json` maps each token (one character, or a special token) to its own id, the ids 0..N-1; a file that
    breaks this is refused on load with the file and the problem named.
    """

    vocab_files_names = VOCAB_FILES_NAMES
    model_input_names = ["input_ids", "attention_mask"]

    def __init__(self, vocab_file: str | None = None, characters: Iterable[str] | None = None, **kwargs):
        for name, token in SPECIAL_TOKENS.items():
            kwargs.setdefault(name, token)
        if vocab_file is not None and characters is not None:
            raise ValueError("CharTokenizer takes vocab_file or characters, not both.")
        if characters is not None:
            self.encoder: dict[str, int] = _build_vocab(characters)
        else:
            self.encoder = _read_vocab_file(vocab_file, kwargs)
        self.decoder = {i: t for t, i in self.encoder.items()}
        self._build_lookup()
        kwargs.setdefault("split_special_tokens", True)
        kwargs.setdefault("clean_up_tokenization_spaces", False)
        kwargs.setdefault("padding_side", "left")  # generation pads on the left
        super().__init__(**kwargs)

    @classmethod
    def from_corpus(cls, corpus, **kwargs) -> "CharTokenizer":
        """Vocabulary from a string, a path to a UTF-8 text file, or an iterable of strings (e.g. a dataset column)."""
        if isinstance(corpus, os.PathLike) or (isinstance(corpus, str) and len(corpus) < 4096
                                               and os.path.isfile(corpus)):
            with open(corpus, encoding="utf-8") as f:
                corpus = f.read()
        texts = [corpus] if isinstance(corpus, str) else corpus
        characters: set[str] = set()
        for text in texts:
            if not isinstance(text, str):
                raise TypeError(f"from_corpus expects strings, got {type(text).__name__}.")
            characters.update(text)
        if not characters:
            raise ValueError("The corpus is empty: a character vocabulary needs at least one character.")
        return cls(characters=characters, **kwargs)

    def _build_lookup(self):
        singles = sorted((ord(t), i) for t, i in self.encoder.items() if len(t) == 1)
        self._codes = np.array([c for c, _ in singles], dtype=np.uint32)
        self._ids = np.array([i for _, i in singles], dtype=np.int64)

    @property
    def vocab_size(self) -> int:
        return len(self.encoder)

    def get_vocab(self) -> dict[str, int]:
        return dict(self.encoder)

    def _tokenize(self, text: str, **kwargs) -> list[str]:
        return list(text)

    def _convert_token_to_id(self, token: str) -> int:
        return self.encoder.get(token, self.encoder[str(self.unk_token)])

    def _convert_id_to_token(self, index: int) -> str:
        return self.decoder.get(int(index), str(self.unk_token))

    def convert_tokens_to_string(self, tokens: list[str]) -> str:
        return "".join(tokens)

    def encode_corpus(self, text: str) -> np.ndarray:
        """Vectorised encoding of a long text to an int64 array (no special tokens): ~100x a Python loop."""
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        pos = np.searchsorted(self._codes, codes).clip(max=len(self._codes) - 1)
        found = self._codes[pos] == codes
        return np.where(found, self._ids[pos], self.unk_token_id)

    def save_vocabulary(self, save_directory: str, filename_prefix: str | None = None) -> tuple[str]:
        if not os.path.isdir(save_directory):
            raise ValueError(f"save_vocabulary expects an existing directory, got {save_directory!r}.")
        name = (filename_prefix + "-" if filename_prefix else "") + VOCAB_FILES_NAMES["vocab_file"]
        path = os.path.join(save_directory, name)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self.encoder, f, ensure_ascii=False, indent=0, sort_keys=False)
        return (path,)


def _build_vocab(characters: Iterable[str]) -> dict[str, int]:
    """Special tokens first (fixed ids 0-3), then the characters in code-point order."""
    vocab = {token: i for i, token in enumerate(SPECIAL_TOKENS.values())}
    for ch in sorted(set(characters)):
        if len(ch) != 1:
            raise ValueError(f"Characters must be single code points, got {ch!r}.")
        vocab.setdefault(ch, len(vocab))
    return vocab


_HOW_TO_FIX = (
    "Re-save the tokenizer with tokenizer.save_pretrained(folder), or build it with "
    "CharTokenizer.from_corpus(text)."
)


def _read_vocab_file(vocab_file: str | None, kwargs: dict) -> dict[str, int]:
    """Load vocab.json, refusing anything that would not decode back to the encoded text (`_check_vocab`)."""
    if vocab_file is None:
        where = kwargs.get("name_or_path")  # set by from_pretrained: the folder or Hub id it looked in
        if not where:
            raise ValueError("CharTokenizer needs vocab_file (a vocab.json) or characters. " + _HOW_TO_FIX)
        kind = "folder" if kwargs.get("is_local", os.path.isdir(str(where))) else "Hub repository"
        raise ValueError(
            f"No {VOCAB_FILES_NAMES['vocab_file']} in the {kind} {str(where)!r}: a CharTokenizer cannot load "
            f"without it. {_HOW_TO_FIX}"
        )
    # ValueError, not OSError: from_pretrained swaps any OSError for a vague "Unable to load vocabulary".
    if not os.path.isfile(vocab_file):
        raise ValueError(f"The vocabulary file {vocab_file!r} does not exist. {_HOW_TO_FIX}")
    try:
        with open(vocab_file, encoding="utf-8") as f:
            vocab = json.load(f)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{vocab_file} is not a UTF-8 JSON file ({err}). {_HOW_TO_FIX}") from err
    # Special tokens need an id: in vocab.json, or among the added tokens of tokenizer_config.json.
    added = {int(i): str(token) for i, token in (kwargs.get("added_tokens_decoder") or {}).items()}
    required = {name: str(kwargs[name]) for name in SPECIAL_TOKENS if kwargs.get(name) is not None}
    required = {name: token for name, token in required.items() if token not in added.values()}
    problem = _check_vocab(vocab, _special_token_strings(kwargs), required)
    problem = problem or _check_added_tokens(vocab, added)
    if problem:
        raise ValueError(f"Invalid vocabulary file {vocab_file}: {problem}. {_HOW_TO_FIX}")
    return vocab


def _special_token_strings(kwargs: dict) -> set[str]:
    """The entries allowed to be longer than one character: the four that `from_corpus` writes, and every
    special or added token the tokenizer config names (as str, or AddedToken whose str() is its content)."""
    named = {str(kwargs[name]) for name in SPECIAL_TOKENS if kwargs.get(name) is not None}
    extra = []
    for key in ("extra_special_tokens", "additional_special_tokens"):
        value = kwargs.get(key) or []
        extra += list(value.values()) if isinstance(value, dict) else list(value)
    extra += list((kwargs.get("added_tokens_decoder") or {}).values())
    return set(SPECIAL_TOKENS.values()) | named | {str(getattr(token, "content", token)) for token in extra}


def _check_vocab(vocab, special_tokens: set[str], required: dict[str, str]) -> str | None:
    """What makes `vocab` unusable as {token: id}, or None. A valid vocabulary maps each single character and
    each special token to its own id, the ids being exactly 0..N-1 (the rows of the model's embedding), and
    holds the `required` special tokens ({"unk_token": "<unk>", ...})."""
    if not isinstance(vocab, dict):
        return f"expected a JSON object mapping each token to its id, got a JSON {type(vocab).__name__}"
    for token, index in vocab.items():
        if not isinstance(token, str):  # cannot come from JSON, but from a dict built in Python
            return f"token {token!r} is a {type(token).__name__}, not a string"
        if not token:
            return "it has an empty-string token"
        if len(token) > 1 and token not in special_tokens:
            return (f"entry {token!r} is neither a single character nor one of the special tokens "
                    f"{sorted(special_tokens)}")
        if not isinstance(index, int) or isinstance(index, bool):
            return f"the id of {token!r} is {index!r}, not an integer"
    by_id: dict[int, list[str]] = {}
    for token, index in vocab.items():
        by_id.setdefault(index, []).append(token)
    shared = {index: tokens for index, tokens in by_id.items() if len(tokens) > 1}
    if shared:
        index, tokens = min(shared.items())
        return f"tokens {tokens} share id {index} (each token needs its own id)"
    expected = set(range(len(vocab)))
    if set(by_id) != expected:
        missing, extra = sorted(expected - set(by_id)), sorted(set(by_id) - expected)
        return (f"ids must be exactly 0..{len(vocab) - 1} for its {len(vocab)} tokens, but "
                f"{_preview(missing)} are missing and {_preview(extra)} lie outside that range")
    for name, token in required.items():
        if token not in vocab:
            return f"it lacks the {name} {token!r} that the tokenizer uses"
    return None


def _check_added_tokens(vocab: dict[str, int], added: dict[int, str]) -> str | None:
    """The added tokens of tokenizer_config.json ({id: token}) must agree with vocab.json where they meet."""
    decoder = {index: token for token, index in vocab.items()}
    for index, token in sorted(added.items()):
        if index in decoder and decoder[index] != token:
            return (f"it gives id {index} to {decoder[index]!r}, but tokenizer_config.json gives that id to "
                    f"the added token {token!r}")
        if token in vocab and vocab[token] != index:
            return f"it gives {token!r} id {vocab[token]}, but tokenizer_config.json gives it id {index}"
    return None


def _preview(ids: list[int], limit: int = 5) -> str:
    shown = ", ".join(map(str, ids[:limit]))
    return f"[{shown}{', ...' if len(ids) > limit else ''}]"


__all__ = ["CharTokenizer"]
