"""What the transformer text recipes share (transformer-sst2, transformer-mlm, transformer-seq2seq).

- `TransformerTextArguments` and `TransformerTextRecipe`: an encoder trained on a text column: the preset and
  its overrides, the splits, the WordPiece tokenizer, the tokenised datasets.
- `load_splits` (the train and evaluation splits of a Hub dataset or of local files) and `trained_once` (a
  tokenizer trained by the main process only, and reused by a later run of the same options and data).
- The collators, which pad token ids into batches: `PadCollator` (labels, optional word dropout),
  `MaskingCollator` (BERT's masking), `Seq2SeqCollator` (sources and targets), and their parts `column` and
  `pad_batch`.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from datasets.fingerprint import Hasher

from ..data import load_data_files, load_hub_dataset, require_columns
from ..models.transformer import TransformerConfig, train_sst2_tokenizer
from ..models.transformer.configuration_transformer import (
    ACTIVATIONS,
    NORM_STYLES,
    POOLINGS,
    POSITION_ENCODINGS,
    PRESETS,
)
from ..models.transformer.tokenization_transformer import SPECIAL_TOKENS
from .arguments import check_types, require
from .recipe import Recipe

ARCHITECTURE_OPTIONS = ("d_model", "num_heads", "encoder_layers", "ffn_dim", "dropout", "attention_dropout",
                        "pooling", "position_encoding", "norm_style", "activation")


@dataclass
class TransformerTextArguments:
    """What every transformer text recipe shares: the architecture, the data, the tokenizer."""

    preset: str = field(default="sst2", metadata={"help": f"Architecture preset: {', '.join(PRESETS)}."})
    d_model: int | None = field(default=None, metadata={"help": "Override the preset's width."})
    num_heads: int | None = field(default=None, metadata={"help": "Override the preset's attention heads."})
    encoder_layers: int | None = field(default=None, metadata={
        "help": "Override the preset's encoder layers."})
    ffn_dim: int | None = field(default=None, metadata={"help": "Override the preset's feed-forward width."})
    dropout: float | None = field(default=None, metadata={"help": "Override the preset's residual dropout."})
    attention_dropout: float | None = field(default=None, metadata={
        "help": "Override the attention dropout."})
    pooling: str | None = field(default=None, metadata={"help": "Override the pooling.", "choices": POOLINGS})
    position_encoding: str | None = field(default=None, metadata={
        "help": "Override the position encoding.", "choices": POSITION_ENCODINGS})
    norm_style: str | None = field(default=None, metadata={
        "help": "Override post/pre LayerNorm.", "choices": NORM_STYLES})
    activation: str | None = field(default=None, metadata={
        "help": "Override the feed-forward activation.", "choices": ACTIVATIONS})

    dataset_name: str = field(default="stanfordnlp/sst2", metadata={
        "help": "Hub id or local folder in Hub layout (see CLASSICNETS_DATA_MIRROR)."})
    train_file: str | None = field(default=None, metadata={
        "help": "CSV/JSON(L)/parquet file to train on instead."})
    validation_file: str | None = field(default=None, metadata={
        "help": "CSV/JSON(L)/parquet validation file (with --train_file)."})
    train_split: str = field(default="train", metadata={"help": "Split to train on."})
    eval_split: str = field(default="validation", metadata={"help": "Split to evaluate on."})
    text_column: str = field(default="sentence", metadata={"help": "Column holding the text."})

    tokenizer_name: str | None = field(default=None, metadata={
        "help": "Folder (or Hub id) of a tokenizer to use instead of training a WordPiece one on the train "
                "split."})
    vocab_size: int = field(default=8000, metadata={"help": "WordPiece vocabulary of the trained tokenizer."})
    min_frequency: int = field(default=2, metadata={
        "help": "Minimum count of a word piece of the trained tokenizer."})
    max_length: int = field(default=128, metadata={"help": "Longest input in tokens ([CLS]/[SEP] included); "
                                                              "longer sentences are truncated."})

    def __post_init__(self):
        check_types(self)
        require(self.preset in PRESETS, "preset", f"must be one of {', '.join(sorted(PRESETS))}", self.preset)
        for name in ("d_model", "num_heads", "encoder_layers", "ffn_dim"):
            value = getattr(self, name)
            require(value is None or value >= 1, name, "must be >= 1", value)
        for name in ("dropout", "attention_dropout"):
            value = getattr(self, name)
            require(value is None or 0 <= value < 1, name, "must be in [0, 1)", value)
        for name, allowed in (("pooling", POOLINGS), ("position_encoding", POSITION_ENCODINGS),
                              ("norm_style", NORM_STYLES), ("activation", ACTIVATIONS)):
            value = getattr(self, name)
            require(value is None or value in allowed, name, f"must be one of {', '.join(allowed)}", value)
        preset = PRESETS[self.preset]
        require_divisible_heads(self.d_model or preset["d_model"], self.num_heads or preset["num_heads"], self.preset,
                                d_model_given=self.d_model is not None, num_heads_given=self.num_heads is not None)
        require(self.vocab_size > len(SPECIAL_TOKENS), "vocab_size", f"must be >= {len(SPECIAL_TOKENS) + 1}",
                self.vocab_size, hint=f"the vocabulary holds the {len(SPECIAL_TOKENS)} special tokens "
                                      f"{' '.join(SPECIAL_TOKENS)} and at least one word piece")
        require(self.min_frequency >= 1, "min_frequency", "must be >= 1", self.min_frequency)
        require(self.max_length >= 3, "max_length", "must be >= 3", self.max_length,
                hint="[CLS], one token, [SEP]")
        require(not self.validation_file or bool(self.train_file), "validation_file", "needs --train_file")


def require_divisible_heads(d_model: int, num_heads: int, preset: str | None = None, d_model_given: bool = True,
                            num_heads_given: bool = True) -> None:
    """Attention splits d_model into num_heads equal heads: refuse a pair that does not divide, naming the option
    the user set (with `preset`, a value not given is the preset's) and values that fit."""
    if d_model % num_heads == 0:
        return
    why = "(each head gets d_model / num_heads dimensions)"
    if num_heads_given or not d_model_given:
        fits = [h for h in range(1, min(d_model, 16) + 1) if d_model % h == 0]
        width = (f"--d_model {d_model}" if d_model_given or preset is None
                 else f"the preset {preset}'s d_model {d_model}")
        require(False, "num_heads", f"must divide {width} {why}", num_heads,
                hint=f"e.g. {', '.join(map(str, fits))}" + ("" if d_model_given else ", or set --d_model"))
    require(False, "d_model", f"must be a multiple of the preset {preset}'s num_heads {num_heads} {why}", d_model,
            hint=f"e.g. {d_model - d_model % num_heads or num_heads} or {d_model - d_model % num_heads + num_heads}, "
                 "or set --num_heads")


class TransformerTextRecipe(Recipe):
    """What the transformer text recipes share: splits, the tokenizer (trained once, by the main process), the
    tokenised datasets, the config from a preset, and the loss (the model's own)."""

    arguments_class = TransformerTextArguments
    label_argument: str | None = None  # the argument naming the label column, where examples have one

    def _config(self, tokenizer, **fields) -> TransformerConfig:
        args = self.args
        overrides = {k: getattr(args, k) for k in ARCHITECTURE_OPTIONS if getattr(args, k) is not None}
        return TransformerConfig.from_preset(
            args.preset, vocab_size=len(tokenizer), max_position_embeddings=args.max_length, decoder_layers=0,
            pad_token_id=tokenizer.pad_token_id, bos_token_id=tokenizer.cls_token_id,
            eos_token_id=tokenizer.sep_token_id, **fields, **overrides,
        )

    def _tokenizer(self, train, accelerator):
        """--tokenizer_name, or a WordPiece tokenizer trained on the train split, once (`trained_once`)."""
        from transformers import AutoTokenizer

        args = self.args
        if args.tokenizer_name:
            tokenizer = AutoTokenizer.from_pretrained(args.tokenizer_name)
            tokenizer.model_max_length = args.max_length
        else:
            spec = {"data": train._fingerprint, "text_column": args.text_column,
                    "vocab_size": args.vocab_size, "min_frequency": args.min_frequency,
                    "max_length": args.max_length}
            tokenizer = trained_once(accelerator, spec, lambda: train_sst2_tokenizer(
                train, vocab_size=args.vocab_size, min_frequency=args.min_frequency,
                model_max_length=args.max_length, text_column=args.text_column))
        if tokenizer.pad_token_id is None:
            raise ValueError(f"The tokenizer {args.tokenizer_name} has no padding token.")
        return tokenizer

    def _load_splits(self):
        args = self.args
        splits = load_splits(args)
        columns = [args.text_column] + ([getattr(args, self.label_argument)] if self.label_argument else [])
        options = ", ".join(f"--{name} {getattr(args, name)}"
                            for name in ("text_column", self.label_argument) if name)
        for split_name in (args.train_split, args.eval_split):
            require_columns(splits[split_name], columns, f"{self.name} ({options}) on split {split_name!r}")
        return splits

    def _tokenize(self, split, name: str):
        args, tok = self.args, self.tokenizer
        label_column = getattr(args, self.label_argument) if self.label_argument else None

        def encode(batch):
            texts = [t if isinstance(t, str) else "" for t in batch[args.text_column]]
            encoded = {"input_ids": tok(texts, truncation=True, max_length=args.max_length)["input_ids"]}
            if label_column:
                encoded["labels"] = batch[label_column]
            return encoded

        # The fingerprint names what the result depends on, so `datasets` finds its cached copy again.
        fingerprint = Hasher.hash([split._fingerprint, tok.backend_tokenizer.to_str(), args.text_column,
                                   label_column, args.max_length])
        return split.map(encode, batched=True, remove_columns=split.column_names, new_fingerprint=fingerprint,
                         desc=f"Tokenising the {name} split")

    def compute_loss(self, model, batch) -> torch.Tensor:
        return model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
                     labels=batch["labels"]).loss

    def _tokenizer_description(self) -> str:
        args = self.args
        source = args.tokenizer_name or "WordPiece trained on the train split"
        return f"  tokenizer: {len(self.tokenizer):,} tokens ({source}), max_length {args.max_length}"


def load_splits(args, **hub_options):
    """The dataset of a text recipe's options, with its --train_split and --eval_split: --train_file (and
    --validation_file), else --dataset_name (a Hub id or local folder; `hub_options`, such as a configuration
    name, go to `load_hub_dataset`). A missing split is named, with the option that fixes it."""
    if args.train_file:
        files, options = {args.train_split: args.train_file}, {args.train_split: "train_file"}
        if args.validation_file:
            files[args.eval_split], options[args.eval_split] = args.validation_file, "validation_file"
        splits = load_data_files(files, options)
    else:
        splits = load_hub_dataset(args.dataset_name, **hub_options)
    for split_name in (args.train_split, args.eval_split):
        if split_name not in splits:
            hint = "pass --validation_file" if args.train_file else "set --train_split/--eval_split"
            raise ValueError(f"The dataset has splits {list(splits)} but no {split_name!r} split: {hint}.")
    return splits


def trained_once(accelerator, spec: dict, train: Callable[[], Any]):
    """A tokenizer trained by `train()` once, by the main process, and saved in <output_dir>/tokenizer with
    `spec` (what it was trained from: the data's fingerprint and the options) beside it.

    The main process runs `build` first and trains it; the others load what it saved, so that every process
    holds the very same ids whatever the trainer (the WordPiece one numbers its pieces in hash-map order:
    `train_sst2_tokenizer` renumbers them, a tokenizer of the user's own may not). A later run in the same
    output_dir (a resumed one above all, whose checkpoint needs the same ids) reuses the tokenizer when `spec`
    is the same.
    """
    from transformers import AutoTokenizer

    folder = Path(accelerator.project_dir) / "tokenizer"
    spec_file = folder / "training_options.json"
    if not accelerator.is_main_process or (spec_file.is_file() and json.loads(spec_file.read_text()) == spec):
        return AutoTokenizer.from_pretrained(str(folder))
    tokenizer = train()
    tokenizer.save_pretrained(str(folder))
    spec_file.write_text(json.dumps(spec))
    return tokenizer


class PadCollator:
    """List of {"input_ids", "labels"} (or a dict of lists) -> tensors padded to the longest in the batch."""

    def __init__(self, pad_token_id: int, word_dropout: float = 0.0, unk_token_id: int | None = None,
                 special_ids=()):
        self.pad_token_id = pad_token_id
        self.word_dropout = word_dropout
        self.unk_token_id = unk_token_id
        self.special_ids = torch.tensor(sorted(set(special_ids)), dtype=torch.long)

    def __call__(self, examples) -> dict:
        input_ids, attention_mask = pad_batch(column(examples, "input_ids"), self.pad_token_id)
        if self.word_dropout > 0:
            drop = (torch.rand(input_ids.shape) < self.word_dropout) & attention_mask.bool()
            drop &= ~torch.isin(input_ids, self.special_ids)
            input_ids[drop] = self.unk_token_id
        batch = {"input_ids": input_ids, "attention_mask": attention_mask,
                 "labels": torch.as_tensor(column(examples, "labels"), dtype=torch.long)}
        if "teacher_probs" in (examples if isinstance(examples, dict) else examples[0]):
            batch["teacher_probs"] = torch.as_tensor(column(examples, "teacher_probs"), dtype=torch.float32)
        return batch


class MaskingCollator:
    """{"input_ids"} examples -> padded `input_ids` with BERT's masking, `attention_mask`, and `labels` (the
    original token at each chosen position, -100 elsewhere). Draws from `generator` (default: torch's global
    RNG, which the engine seeds per process and checkpoints)."""

    def __init__(self, tokenizer, mlm_probability: float = 0.15, generator: torch.Generator | None = None):
        self.pad_token_id, self.mask_token_id = tokenizer.pad_token_id, tokenizer.mask_token_id
        if self.mask_token_id is None:
            raise ValueError("Masked-language-model training needs a tokenizer with a mask token ([MASK]).")
        self.vocab_size = len(tokenizer)
        self.special_ids = torch.tensor(sorted(set(tokenizer.all_special_ids)), dtype=torch.long)
        self.mlm_probability = mlm_probability
        self.generator = generator

    def __call__(self, examples) -> dict:
        input_ids, attention_mask = pad_batch(column(examples, "input_ids"), self.pad_token_id)
        # rand[0] chooses the positions, rand[1] splits them 80/10/10, rand[2] picks the random token
        rand = torch.rand((3, *input_ids.shape), generator=self.generator)
        candidates = attention_mask.bool() & ~torch.isin(input_ids, self.special_ids)
        chosen = candidates & (rand[0] < self.mlm_probability)
        labels = torch.where(chosen, input_ids, torch.full_like(input_ids, -100))
        random_ids = (rand[2] * self.vocab_size).long().clamp(max=self.vocab_size - 1)
        input_ids = torch.where(chosen & (rand[1] < 0.8), self.mask_token_id, input_ids)
        input_ids = torch.where(chosen & (rand[1] >= 0.8) & (rand[1] < 0.9), random_ids, input_ids)
        return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}


class Seq2SeqCollator:
    """{"input_ids", "labels"} examples -> padded `input_ids` and `attention_mask` (B, S), and `labels` (B, T)
    padded with -100, which the loss ignores (the model makes the decoder's input from them)."""

    def __init__(self, pad_token_id: int):
        self.pad_token_id = pad_token_id

    def __call__(self, examples) -> dict:
        input_ids, attention_mask = pad_batch(column(examples, "input_ids"), self.pad_token_id)
        labels, label_mask = pad_batch(column(examples, "labels"), self.pad_token_id)
        return {"input_ids": input_ids, "attention_mask": attention_mask,
                "labels": labels.masked_fill(label_mask == 0, -100)}


def column(examples, name: str) -> list:
    """One field of a batch: from a list of examples, or from a slice of a datasets.Dataset (a dict of
    lists)."""
    return examples[name] if isinstance(examples, dict) else [e[name] for e in examples]


def pad_batch(ids: list[list[int]], pad_token_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Token id lists -> `input_ids` (B, longest) right-padded with pad_token_id, and `attention_mask`
    (B, longest)."""
    longest = max(len(x) for x in ids)
    input_ids = torch.full((len(ids), longest), pad_token_id, dtype=torch.long)
    attention_mask = torch.zeros((len(ids), longest), dtype=torch.long)
    for row, x in enumerate(ids):
        input_ids[row, : len(x)] = torch.as_tensor(x, dtype=torch.long)
        attention_mask[row, : len(x)] = 1
    return input_ids, attention_mask
