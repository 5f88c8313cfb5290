"""transformer-sst2: a small Transformer encoder trained from scratch for sentence sentiment on SST-2.

Data: the train split (SST-2: 67,349 sentences and phrases, columns idx/sentence/label) and the validation
split (872 full sentences; the test split's labels are hidden, -1). A WordPiece tokenizer is trained on the
train split's text (or loaded with --tokenizer_name), the text is tokenised once with `Dataset.map` (cached by
`datasets`), and each batch is padded to its longest sentence. Training: cross entropy of
`TransformerForSequenceClassification` (pooled encoder states -> linear classifier), with optional word dropout
(--word_dropout: each word piece of a training sentence is replaced by [UNK] with this probability).
Evaluation: validation loss and accuracy, sharded over processes and summed; the final evaluation adds the
confusion matrix (rows: true label, columns: predicted). The final folder holds the model and its tokenizer, so
`pipeline("text-classification", model=<output_dir>)` works after `import classicnets`, and a confusion-matrix
PNG.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from datasets.fingerprint import Hasher

from ...data import load_data_files, load_hub_dataset, require_columns
from ...errors import DataError
from ...models.transformer import (
    TransformerConfig,
    TransformerForSequenceClassification,
    train_sst2_tokenizer,
)
from ...models.transformer.configuration_transformer import NORM_STYLES, POOLINGS, POSITION_ENCODINGS, PRESETS
from ..arguments import check_types, require
from ..recipe import Recipe

ARCHITECTURE_OPTIONS = ("d_model", "num_heads", "encoder_layers", "ffn_dim", "dropout", "attention_dropout",
                        "pooling", "position_encoding", "norm_style", "activation")
INIT_FROM_OPTIONS = ("dropout", "attention_dropout", "pooling")  # change no weight's shape or meaning
EXAMPLE_SENTENCES = [
    "a gripping , beautifully acted film .",
    "a dull , lifeless script that goes nowhere .",
    "not as bad as i feared , but hardly worth the price of a ticket .",
    "the performances are terrific , even if the plot is thin .",
]


@dataclass
class TransformerTextArguments:
    """What every transformer text recipe shares: the architecture, the data, the tokenizer."""

    preset: str = field(default="sst2", metadata={"help": f"Architecture preset: {', '.join(PRESETS)}."})
    d_model: int | None = field(default=None, metadata={"help": "Override the preset's width."})
    num_heads: int | None = field(default=None, metadata={"help": "Override the preset's attention heads."})
    encoder_layers: int | None = field(default=None, metadata={"help": "Override the preset's encoder layers."})
    ffn_dim: int | None = field(default=None, metadata={"help": "Override the preset's feed-forward width."})
    dropout: float | None = field(default=None, metadata={"help": "Override the preset's residual dropout."})
    attention_dropout: float | None = field(default=None, metadata={"help": "Override the attention dropout."})
    pooling: str | None = field(default=None, metadata={"help": "Override the pooling.", "choices": POOLINGS})
    position_encoding: str | None = field(default=None, metadata={
        "help": "Override the position encoding.", "choices": POSITION_ENCODINGS})
    norm_style: str | None = field(default=None, metadata={"help": "Override post/pre LayerNorm.", "choices": NORM_STYLES})
    activation: str | None = field(default=None, metadata={"help": "Override the feed-forward activation."})

    dataset_name: str = field(default="stanfordnlp/sst2",
                              metadata={"help": "Hub id or local folder in Hub layout (see CLASSICNETS_DATA_MIRROR)."})
    train_file: str | None = field(default=None, metadata={"help": "CSV/JSON(L)/parquet file to train on instead."})
    validation_file: str | None = field(default=None, metadata={"help": "CSV/JSON(L)/parquet validation file (with --train_file)."})
    train_split: str = field(default="train", metadata={"help": "Split to train on."})
    eval_split: str = field(default="validation", metadata={"help": "Split to evaluate on."})
    text_column: str = field(default="sentence", metadata={"help": "Column holding the text."})

    tokenizer_name: str | None = field(default=None, metadata={
        "help": "Folder (or Hub id) of a tokenizer to use instead of training a WordPiece one on the train split."})
    vocab_size: int = field(default=8000, metadata={"help": "WordPiece vocabulary of the trained tokenizer."})
    min_frequency: int = field(default=2, metadata={"help": "Minimum count of a word piece of the trained tokenizer."})
    max_length: int = field(default=128, metadata={"help": "Longest input in tokens ([CLS]/[SEP] included); "
                                                              "longer sentences are truncated."})

    def __post_init__(self):
        check_types(self)
        require(self.preset in PRESETS, "preset", f"must be one of {', '.join(sorted(PRESETS))}", self.preset)
        for name in ("d_model", "num_heads", "encoder_layers", "ffn_dim"):
            require(getattr(self, name) is None or getattr(self, name) >= 1, name, "must be >= 1", getattr(self, name))
        for name in ("dropout", "attention_dropout"):
            value = getattr(self, name)
            require(value is None or 0 <= value < 1, name, "must be in [0, 1)", value)
        require(self.vocab_size >= 1, "vocab_size", "must be >= 1", self.vocab_size)
        require(self.min_frequency >= 1, "min_frequency", "must be >= 1", self.min_frequency)
        require(self.max_length >= 3, "max_length", "must be >= 3", self.max_length, hint="[CLS], one token, [SEP]")
        require(not self.validation_file or bool(self.train_file), "validation_file", "needs --train_file")


@dataclass
class TransformerSST2Arguments(TransformerTextArguments):
    label_column: str = field(default="label", metadata={"help": "Column holding the class index."})
    num_labels: int | None = field(default=None, metadata={
        "help": "Number of classes K: labels must be 0..K-1 (default: the names of a ClassLabel column, else "
                "the largest label + 1, with every class present in the train split)."})
    word_dropout: float = field(default=0.0, metadata={
        "help": "Training only: replace each word piece (not [CLS]/[SEP]) by [UNK] with this probability."})
    init_from: str | None = field(default=None, metadata={
        "help": "Start from the encoder and tokenizer of this checkpoint (folder or Hub id; e.g. a transformer-mlm "
                "run's output_dir) instead of from scratch; the classifier starts fresh. The architecture comes "
                "from the checkpoint: only --dropout, --attention_dropout and --pooling may be changed."})
    distill_from: list[str] | None = field(default=None, metadata={
        "help": "Knowledge distillation: checkpoints (folders or Hub ids) of trained text classifiers with the same "
                "labels, each with its own tokenizer. Their averaged predictions on the train split, softened by "
                "--distill_temperature, become a second target beside the labels."})
    distill_alpha: float = field(default=0.5, metadata={
        "help": "Weight of the teachers' term in the loss: (1 - alpha) * CE(labels) + alpha * T^2 * KL(teachers || model)."})
    distill_temperature: float = field(default=2.0, metadata={
        "help": "Softmax temperature T of teachers and student in the distillation term."})

    def __post_init__(self):
        super().__post_init__()
        require(self.num_labels is None or self.num_labels >= 2, "num_labels", "must be >= 2", self.num_labels)
        require(0.0 <= self.word_dropout < 1.0, "word_dropout", "must be in [0, 1)", self.word_dropout)
        require(0.0 <= self.distill_alpha <= 1.0, "distill_alpha", "must be in [0, 1]", self.distill_alpha)
        require(self.distill_temperature > 0, "distill_temperature", "must be > 0", self.distill_temperature)


class TransformerTextRecipe(Recipe):
    """What the transformer text recipes share: splits, the tokenizer (trained once, by the main process), the
    tokenised datasets, the config from a preset, and the loss (the model's own)."""

    arguments_class = TransformerTextArguments
    label_argument: str | None = None  # the argument naming the label column, in recipes whose examples have one

    def _config(self, tokenizer, **fields) -> TransformerConfig:
        args = self.args
        overrides = {k: getattr(args, k) for k in ARCHITECTURE_OPTIONS if getattr(args, k) is not None}
        return TransformerConfig.from_preset(
            args.preset, vocab_size=len(tokenizer), max_position_embeddings=args.max_length, decoder_layers=0,
            pad_token_id=tokenizer.pad_token_id, bos_token_id=tokenizer.cls_token_id,
            eos_token_id=tokenizer.sep_token_id, **fields, **overrides,
        )

    def _tokenizer(self, train, accelerator):
        """--tokenizer_name, or a WordPiece tokenizer trained on the train split, once, by the main process.

        `tokenizers`' WordPiece trainer is not deterministic (ties are broken in hash-map order), so every process
        training its own would give different token ids. The main process (which runs `build` first) trains it and
        saves it in <output_dir>/tokenizer; the others load that. A later run in the same output_dir (a resumed
        one above all, whose checkpoint needs the same ids) reuses it when it was trained with the same options
        on the same data.
        """
        from transformers import AutoTokenizer

        args = self.args
        if args.tokenizer_name:
            tokenizer = AutoTokenizer.from_pretrained(args.tokenizer_name)
            tokenizer.model_max_length = args.max_length
        else:
            folder = Path(accelerator.project_dir) / "tokenizer"
            spec = {"data": train._fingerprint, "text_column": args.text_column, "vocab_size": args.vocab_size,
                    "min_frequency": args.min_frequency, "max_length": args.max_length}
            spec_file = folder / "training_options.json"
            if not accelerator.is_main_process or (spec_file.is_file() and json.loads(spec_file.read_text()) == spec):
                tokenizer = AutoTokenizer.from_pretrained(str(folder))
            else:
                tokenizer = train_sst2_tokenizer(train, vocab_size=args.vocab_size, min_frequency=args.min_frequency,
                                                 model_max_length=args.max_length, text_column=args.text_column)
                tokenizer.save_pretrained(str(folder))
                spec_file.write_text(json.dumps(spec))
        if tokenizer.pad_token_id is None:
            raise ValueError(f"The tokenizer {args.tokenizer_name} has no padding token.")
        return tokenizer

    def _load_splits(self):
        args = self.args
        if args.train_file:
            files = {args.train_split: args.train_file}
            if args.validation_file:
                files[args.eval_split] = args.validation_file
            splits = load_data_files(files)
        else:
            splits = load_hub_dataset(args.dataset_name)
        columns = [args.text_column] + ([getattr(args, self.label_argument)] if self.label_argument else [])
        options = ", ".join(f"--{name} {getattr(args, name)}" for name in ("text_column", self.label_argument) if name)
        for split_name in (args.train_split, args.eval_split):
            if split_name not in splits:
                hint = "pass --validation_file" if args.train_file else "set --train_split/--eval_split"
                raise ValueError(f"The dataset has splits {list(splits)} but no {split_name!r} split: {hint}.")
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
        return model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], labels=batch["labels"]).loss

    def _tokenizer_description(self) -> str:
        args = self.args
        source = args.tokenizer_name or "WordPiece trained on the train split"
        return f"  tokenizer: {len(self.tokenizer):,} tokens ({source}), max_length {args.max_length}"


class TransformerSST2Recipe(TransformerTextRecipe):
    name = "transformer-sst2"
    arguments_class = TransformerSST2Arguments
    card_family = "transformer-sst2"
    eval_curve = ("val_accuracy", "accuracy.png", "validation accuracy")
    label_argument = "label_column"

    def build(self, accelerator) -> None:
        args = self.args
        if args.init_from and not args.tokenizer_name:
            args.tokenizer_name = args.init_from  # the encoder's token ids
        splits = self._load_splits()
        train, validation = splits[args.train_split], splits[args.eval_split]
        self.id2label = _label_names(train, args.label_column, args.num_labels, args.train_split)
        num_labels = len(self.id2label)
        for name, split in ((args.train_split, train), (args.eval_split, validation)):
            _check_labels(split, args.label_column, num_labels, name)

        self.tokenizer = tok = self._tokenizer(train, accelerator)
        labels = {"num_labels": num_labels, "id2label": dict(enumerate(self.id2label)),
                  "label2id": {name: i for i, name in enumerate(self.id2label)}}
        self.model = self._from_checkpoint(labels) if args.init_from else TransformerForSequenceClassification(
            self._config(tok, **labels))

        self.train_dataset = self._tokenize(train, args.train_split)
        if args.distill_from:
            texts = [t if isinstance(t, str) else "" for t in train[args.text_column]]
            soft = teacher_probabilities(args.distill_from, texts, self.id2label, args.distill_temperature,
                                         accelerator.device, args.max_length,
                                         progress=self.show_progress)
            self.train_dataset = self.train_dataset.add_column("teacher_probs", soft.tolist())
        self.eval_dataset = self._tokenize(validation, args.eval_split)
        self.collate_fn = PadCollator(tok.pad_token_id, word_dropout=args.word_dropout, unk_token_id=tok.unk_token_id,
                                      special_ids=tok.all_special_ids)
        self.eval_collate_fn = PadCollator(tok.pad_token_id)
        self.last_confusion = None

    def compute_loss(self, model, batch) -> torch.Tensor:
        if "teacher_probs" not in batch:
            return super().compute_loss(model, batch)
        args = self.args
        logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits.float()
        hard = F.cross_entropy(logits, batch["labels"])
        t = args.distill_temperature
        # T^2 keeps the soft term's gradients on the scale of the hard one (Hinton et al., 2015).
        soft = F.kl_div(F.log_softmax(logits / t, -1), batch["teacher_probs"], reduction="batchmean") * t * t
        return (1 - args.distill_alpha) * hard + args.distill_alpha * soft

    def _from_checkpoint(self, labels: dict) -> TransformerForSequenceClassification:
        """The encoder of --init_from (its `encoder.*` weights) under a fresh classifier."""
        args = self.args
        changed = [f"--{k}" for k in ARCHITECTURE_OPTIONS if getattr(args, k) is not None and k not in INIT_FROM_OPTIONS]
        if changed:
            raise ValueError(f"--init_from {args.init_from} takes its architecture from the checkpoint: drop "
                             f"{', '.join(changed)} (only {', '.join('--' + k for k in INIT_FROM_OPTIONS)} may change).")
        overrides = {k: getattr(args, k) for k in INIT_FROM_OPTIONS if getattr(args, k) is not None}
        model = TransformerForSequenceClassification.from_pretrained(args.init_from, **labels, **overrides)
        if len(self.tokenizer) != model.config.vocab_size:
            raise ValueError(f"The tokenizer has {len(self.tokenizer)} tokens but the --init_from model "
                             f"{model.config.vocab_size}: use the tokenizer saved with that checkpoint.")
        if args.max_length > model.config.max_position_embeddings:
            raise ValueError(f"--max_length {args.max_length} exceeds the --init_from model's "
                             f"{model.config.max_position_embeddings} positions: lower --max_length.")
        return model

    def evaluate(self, engine, final: bool = False) -> dict:
        """Loss, accuracy (and the confusion matrix when final): each process scores a share, the sums are reduced."""
        accelerator = engine.accelerator
        model = engine.models["model"]
        device = accelerator.device
        lengths = [len(ids) for ids in self.eval_dataset["input_ids"]]
        order = sorted(range(len(lengths)), key=lengths.__getitem__)  # similar lengths together: little padding
        mine = order[accelerator.process_index :: accelerator.num_processes]
        size = engine.args.per_device_eval_batch_size
        k = len(self.id2label)
        loss_sum = torch.zeros((), device=device, dtype=torch.float64)
        confusion = torch.zeros(k * k, device=device, dtype=torch.long)
        for start in range(0, len(mine), size):
            batch = self.eval_collate_fn(self.eval_dataset[mine[start : start + size]])
            batch = {key: value.to(device) for key, value in batch.items()}
            with accelerator.autocast():
                logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
            loss_sum += F.cross_entropy(logits.float(), batch["labels"], reduction="sum").double()
            confusion += torch.bincount(batch["labels"] * k + logits.argmax(-1), minlength=k * k)
        loss_sum = accelerator.reduce(loss_sum, "sum")
        confusion = accelerator.reduce(confusion, "sum").view(k, k).cpu()
        count = int(confusion.sum())
        metrics = {"val_loss": loss_sum.item() / max(count, 1),
                   "val_accuracy": confusion.diagonal().sum().item() / max(count, 1)}
        if final:
            metrics["confusion_matrix"] = confusion.tolist()
            self.last_confusion = confusion.tolist()
        return metrics

    def save_pretrained(self, models, output_dir: Path) -> None:
        model = models["model"]
        model.save_pretrained(output_dir)
        self.tokenizer.save_pretrained(output_dir)
        if self.last_confusion is not None:
            plot_confusion_matrix(self.last_confusion, self.id2label, output_dir / "confusion_matrix.png")
        (output_dir / "examples.txt").write_text(self._example_predictions(model), encoding="utf-8")

    @torch.no_grad()
    def _example_predictions(self, model) -> str:
        was_training = model.training
        model.eval()
        inputs = self.tokenizer(EXAMPLE_SENTENCES, return_tensors="pt", padding=True, truncation=True).to(model.device)
        probabilities = model(**inputs).logits.float().softmax(-1)
        model.train(was_training)
        lines = []
        for sentence, p in zip(EXAMPLE_SENTENCES, probabilities):
            i = int(p.argmax())
            lines.append(f"{sentence}\n    -> {model.config.id2label[i]} ({p[i]:.2f})")
        return "\n".join(lines)


    def card_metrics(self, final: dict) -> dict:
        return {
            "val_accuracy": {"value": final["val_accuracy"], "name": "Accuracy", "type": "accuracy"},
            "val_loss": {"value": final["val_loss"], "name": "Loss (cross entropy, nats)", "type": "loss"},
        }

    def card_extras(self, output_dir: Path) -> dict:
        extras = {}
        examples = output_dir / "examples.txt"
        if examples.exists():
            extras["sample_text"] = examples.read_text(encoding="utf-8")
        if self.last_confusion is not None:
            extras["extra_sections"] = [("Confusion matrix", confusion_markdown(self.last_confusion, self.id2label))]
            if (output_dir / "confusion_matrix.png").exists():
                extras["sample_image"] = output_dir / "confusion_matrix.png"
        return extras

    def describe(self, engine) -> str:
        args = self.args
        source = args.train_file or args.dataset_name
        return "\n".join([
            super().describe(engine),
            f"  data: {len(self.train_dataset):,} training sentences [{args.train_split}], "
            f"{len(self.eval_dataset):,} evaluation sentences [{args.eval_split}] from {source}",
            f"{self._tokenizer_description()}, word dropout {args.word_dropout}",
        ] + ([f"  distillation: alpha {args.distill_alpha}, temperature {args.distill_temperature}, from "
              f"{len(args.distill_from)} teacher(s): {', '.join(args.distill_from)}"] if args.distill_from else []))


class PadCollator:
    """List of {"input_ids", "labels"} (or a dict of lists) -> padded tensors, padded to the longest in the batch."""

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


@torch.no_grad()
def teacher_probabilities(checkpoints: list[str], texts: list[str], labels: list[str], temperature: float,
                          device, max_length: int, batch_size: int = 256, progress: bool = True) -> torch.Tensor:
    """softmax(logits / temperature) of each teacher classifier over `texts`, averaged: (len(texts), num_labels).

    Each teacher reads the texts with its own tokenizer (truncated to its own maximum), so teachers of different
    vocabularies mix. Their labels must be `labels`, in the same order.
    """
    from tqdm.auto import tqdm
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # similar lengths together: little padding
    total = torch.zeros(len(texts), len(labels))
    for checkpoint in checkpoints:
        teacher = AutoModelForSequenceClassification.from_pretrained(checkpoint).to(device).eval()
        names = [teacher.config.id2label[i] for i in range(teacher.config.num_labels)]
        if names != list(labels):
            raise ValueError(f"The --distill_from teacher {checkpoint} predicts {names}, the data has labels "
                             f"{list(labels)}: distil only from classifiers of the same labels, in the same order.")
        tokenizer = AutoTokenizer.from_pretrained(checkpoint)
        limit = min(max_length, getattr(teacher.config, "max_position_embeddings", max_length))
        for start in tqdm(range(0, len(order), batch_size), desc=f"Teacher {checkpoint}", leave=False,
                          disable=not progress):
            rows = order[start : start + batch_size]
            inputs = tokenizer([texts[i] for i in rows], return_tensors="pt", padding=True, truncation=True,
                               max_length=limit).to(device)
            inputs.pop("token_type_ids", None)
            total[rows] += (teacher(**inputs).logits.float() / temperature).softmax(-1).cpu()
    return total / len(checkpoints)


def column(examples, name: str) -> list:
    """One field of a batch: from a list of examples, or from a slice of a datasets.Dataset (columns of lists)."""
    return examples[name] if isinstance(examples, dict) else [e[name] for e in examples]


def pad_batch(ids: list[list[int]], pad_token_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Token id lists -> `input_ids` (B, longest) right-padded with pad_token_id, and `attention_mask` (B, longest)."""
    longest = max(len(x) for x in ids)
    input_ids = torch.full((len(ids), longest), pad_token_id, dtype=torch.long)
    attention_mask = torch.zeros((len(ids), longest), dtype=torch.long)
    for row, x in enumerate(ids):
        input_ids[row, : len(x)] = torch.as_tensor(x, dtype=torch.long)
        attention_mask[row, : len(x)] = 1
    return input_ids, attention_mask


def _label_names(split, column: str, num_labels: int | None = None, name: str = "train") -> list[str]:
    """The class names: a ClassLabel column's; else K classes 0..K-1, K from --num_labels or from the labels found
    (then every class 0..max must occur: a gap is a mislabelled file, not a class nobody has seen)."""
    feature = split.features[column]
    if hasattr(feature, "names"):  # ClassLabel
        if num_labels is not None and num_labels != len(feature.names):
            raise DataError(f"--num_labels {num_labels} disagrees with column {column!r}, a ClassLabel of "
                            f"{len(feature.names)} classes {feature.names}: drop --num_labels.")
        return list(feature.names)
    values = [v for v in split.unique(column) if v is not None]
    if not values or not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        raise DataError(f"Column {column!r} must hold class indices 0..K-1 (integers); found e.g. {values[:5]}. "
                        "Map the labels to integers (dataset.class_encode_column) or set --label_column.")
    found = sorted(values)
    if num_labels is None:
        num_labels = found[-1] + 1
        absent = [k for k in range(num_labels) if k not in set(found)]
        if absent and found[0] >= 0:  # negative labels are _check_labels' to name
            raise DataError(
                f"Split {name!r} has labels {_shown(found)} in column {column!r}: the classes must be 0..K-1, but "
                f"{_shown(absent)} never occur, which would train a {num_labels}-class model. Renumber the labels "
                f"0..{len(found) - 1}, set --label_column to the right column, or pass --num_labels {num_labels} "
                "if those classes are real.")
    return ["negative", "positive"] if num_labels == 2 else [f"LABEL_{i}" for i in range(num_labels)]


def _shown(values: list, limit: int = 10) -> str:
    return str(values[:limit])[:-1] + (", ...]" if len(values) > limit else "]")


def _check_labels(split, column: str, num_labels: int, name: str) -> None:
    values = split.unique(column)
    bad = sorted({v for v in values if v is None or not 0 <= v < num_labels}, key=str)
    if bad:
        raise DataError(f"Split {name!r} has labels {bad[:5]} outside 0..{num_labels - 1} in column {column!r}"
                        + (" (-1 marks a hidden label, as in SST-2's test split: evaluate on 'validation')"
                           if -1 in bad else "")
                        + ". Fix the labels, set --label_column to the right column, or --num_labels to the number "
                          "of classes.")


def confusion_markdown(confusion: list[list[int]], labels: list[str]) -> str:
    head = "| true \\ predicted | " + " | ".join(labels) + " |"
    rows = [head, "|---|" + "---|" * len(labels)]
    rows += [f"| {labels[i]} | " + " | ".join(str(c) for c in row) + " |" for i, row in enumerate(confusion)]
    total = sum(map(sum, confusion))
    correct = sum(confusion[i][i] for i in range(len(confusion)))
    return "\n".join(rows) + f"\n\n{correct} of {total} validation sentences correct ({correct / max(total, 1):.2%})."


def plot_confusion_matrix(confusion: list[list[int]], labels: list[str], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    k = len(labels)
    fig, ax = plt.subplots(figsize=(1.6 * k + 2, 1.4 * k + 1.5), dpi=110)
    image = ax.imshow(confusion, cmap="Blues")
    peak = max(max(row) for row in confusion) or 1
    for i in range(k):
        for j in range(k):
            ax.text(j, i, str(confusion[i][j]), ha="center", va="center",
                    color="white" if confusion[i][j] > peak / 2 else "black")
    ax.set_xticks(range(k), labels)
    ax.set_yticks(range(k), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    total = sum(map(sum, confusion))
    ax.set_title(f"accuracy {sum(confusion[i][i] for i in range(k)) / max(total, 1):.2%} ({total} sentences)")
    fig.colorbar(image, ax=ax)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
