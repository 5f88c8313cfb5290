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

from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F

from ...errors import DataError
from ...evaluation.classification import confusion_markdown, confusion_matrix, plot_confusion_matrix
from ...hub import CardSpec
from ...models.transformer import TransformerForSequenceClassification
from ..arguments import require
from ..text_tasks import ARCHITECTURE_OPTIONS, PadCollator, TransformerTextArguments, TransformerTextRecipe

CARDS = Path(__file__).parent / "cards"
INIT_FROM_OPTIONS = ("dropout", "attention_dropout", "pooling")  # change no weight's shape or meaning
EXAMPLE_SENTENCES = [
    "a gripping , beautifully acted film .",
    "a dull , lifeless script that goes nowhere .",
    "not as bad as i feared , but hardly worth the price of a ticket .",
    "the performances are terrific , even if the plot is thin .",
]


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
        "help": "Weight of the teachers' term in the loss: (1 - alpha) * CE(labels) + alpha * T^2 * "
                "KL(teachers || model)."})
    distill_temperature: float = field(default=2.0, metadata={
        "help": "Softmax temperature T of teachers and student in the distillation term."})

    def __post_init__(self):
        changed = [k for k in ARCHITECTURE_OPTIONS if getattr(self, k) is not None and k not in INIT_FROM_OPTIONS]
        require(not (self.init_from and changed), "init_from",
                f"takes its architecture from the checkpoint: drop {', '.join('--' + k for k in changed)}",
                hint=f"only {', '.join('--' + k for k in INIT_FROM_OPTIONS)} may change")
        super().__post_init__()
        require(self.num_labels is None or self.num_labels >= 2, "num_labels", "must be >= 2", self.num_labels)
        require(0.0 <= self.word_dropout < 1.0, "word_dropout", "must be in [0, 1)", self.word_dropout)
        require(0.0 <= self.distill_alpha <= 1.0, "distill_alpha", "must be in [0, 1]", self.distill_alpha)
        require(self.distill_temperature > 0, "distill_temperature", "must be > 0", self.distill_temperature)


class TransformerSST2Recipe(TransformerTextRecipe):
    name = "transformer-sst2"
    arguments_class = TransformerSST2Arguments
    card = CardSpec(
        template=CARDS / "transformer-sst2.md", pipeline_tag="text-classification",
        task_name="Text Classification", dataset_id="stanfordnlp/sst2", dataset_name="SST-2",
        dataset_split="validation", auto_class="AutoModelForSequenceClassification",
        tags=("transformer", "sentiment-analysis", "text-classification", "sst2"), language=("en",),
        widget=("A gripping, beautifully acted film.", "A dull, lifeless script."),
        architecture_keys=("vocab_size", "d_model", "num_heads", "encoder_layers", "ffn_dim", "dropout",
                           "activation", "position_encoding", "norm_style", "pooling",
                           "max_position_embeddings", "id2label"),
    )
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
        changed = [f"--{k}" for k in ARCHITECTURE_OPTIONS
                   if getattr(args, k) is not None and k not in INIT_FROM_OPTIONS]
        if changed:
            raise ValueError(f"--init_from {args.init_from} takes its architecture from the checkpoint: drop "
                             f"{', '.join(changed)} (only {', '.join('--' + k for k in INIT_FROM_OPTIONS)} "
                             "may change).")
        overrides = {k: getattr(args, k) for k in INIT_FROM_OPTIONS if getattr(args, k) is not None}
        model = TransformerForSequenceClassification.from_pretrained(args.init_from, **labels, **overrides)
        if len(self.tokenizer) != model.config.vocab_size:
            raise ValueError(f"The tokenizer has {len(self.tokenizer)} tokens but the --init_from model "
                             f"{model.config.vocab_size}: use the tokenizer saved with that checkpoint.")
        if args.max_length > model.config.max_position_embeddings:
            raise ValueError(f"--max_length {args.max_length} exceeds the --init_from model's "
                             f"{model.config.max_position_embeddings} positions: lower --max_length.")
        return model

    def evaluate(self, run, final: bool = False) -> dict:
        """Loss, accuracy (and the confusion matrix when final): each process scores a share, the sums are reduced."""
        accelerator = run.accelerator
        model = run.models["model"]
        device = accelerator.device
        lengths = [len(ids) for ids in self.eval_dataset["input_ids"]]
        order = sorted(range(len(lengths)), key=lengths.__getitem__)  # similar lengths together: little padding
        mine = order[accelerator.process_index :: accelerator.num_processes]
        size = run.training_args.per_device_eval_batch_size
        k = len(self.id2label)
        loss_sum = torch.zeros((), device=device, dtype=torch.float64)
        confusion = torch.zeros((k, k), device=device, dtype=torch.long)
        for start in range(0, len(mine), size):
            batch = self.eval_collate_fn(self.eval_dataset[mine[start : start + size]])
            batch = {key: value.to(device) for key, value in batch.items()}
            with accelerator.autocast():
                logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
            loss_sum += F.cross_entropy(logits.float(), batch["labels"], reduction="sum").double()
            confusion += confusion_matrix(batch["labels"], logits.argmax(-1), k)
        loss_sum = accelerator.reduce(loss_sum, "sum")
        confusion = accelerator.reduce(confusion, "sum").cpu()
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

    def card_hyperparameters(self, hyperparameters: dict) -> dict:
        if self.args.distill_from:
            return hyperparameters
        return {k: v for k, v in hyperparameters.items() if not k.startswith("distill_")}  # no teacher: unused

    def describe(self, run) -> str:
        args = self.args
        source = args.train_file or args.dataset_name
        return "\n".join([
            super().describe(run),
            f"  data: {len(self.train_dataset):,} training sentences [{args.train_split}], "
            f"{len(self.eval_dataset):,} evaluation sentences [{args.eval_split}] from {source}",
            f"{self._tokenizer_description()}, word dropout {args.word_dropout}",
        ] + ([f"  distillation: alpha {args.distill_alpha}, temperature {args.distill_temperature}, from "
              f"{len(args.distill_from)} teacher(s): {', '.join(args.distill_from)}"] if args.distill_from else []))


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
