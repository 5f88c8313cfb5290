"""transformer-seq2seq: the paper's encoder-decoder trained from scratch on pairs of texts (source -> target).

Data, one of three layouts of a `datasets` corpus (Hub id, local folder in Hub layout, or --train_file):
- two columns: `--source_column de --target_column en`;
- the Hub's translation layout, `{"translation": {"de": ..., "en": ...}}`: `--source_lang de --target_lang en`
  (e.g. `--dataset_name wmt/wmt14 --dataset_config de-en`);
- neither (the default, the reference task): punctuation and capitalisation restoration on the lines of a text
  column (`karpathy/tiny_shakespeare`). Each non-empty line is a target; its source is the line lower-cased with
  its punctuation removed. Splits stay the dataset's (train lines from the train text, validation lines from the
  validation text), and a training line that also occurs in the validation text is dropped, so that no
  validation line is seen in training (Shakespeare repeats many short lines: "ROMEO:", "Ay, my lord.").

A tokenizer is trained with `tokenizers` on the sources and targets of the train split (characters or byte-level
BPE, --tokenizer_type), once, by the main process. Batches are padded to their longest source and target.
Training: cross entropy of the next target token (`TransformerForSeq2SeqLM`, labels shifted right inside the
model, padding ignored). Evaluation: teacher-forced loss, then text generated from every validation source
(greedy, or --num_beams) and scored against the reference with chrF (sacrebleu's default chrF2) and exact match;
two baselines are scored by the same code once: copying the source and, for the punctuation task, a rule that
capitalises the first letter and ends the line with a full stop. Sample outputs are printed at every evaluation
and saved in samples.txt. The output folder loads with `AutoModelForSeq2SeqLM` and
`pipeline("seq2seq-generation", model=<output_dir>)` (after `import classicnets`; or with
`trust_remote_code=True` without it).
"""

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from datasets import Dataset
from datasets.fingerprint import Hasher

from ...data import require_columns
from ...evaluation.text_metrics import chrf, exact_match
from ...hub import CardSpec
from ...models.transformer import TransformerForSeq2SeqLM, TransformerSeq2SeqConfig, train_seq2seq_tokenizer
from ...models.transformer.configuration_transformer import ACTIVATIONS, NORM_STYLES, POSITION_ENCODINGS
from ...models.transformer.tokenization_seq2seq import TOKENIZER_TYPES
from ..recipe import Recipe
from ..text_tasks import Seq2SeqCollator, load_splits, trained_once

CARDS = Path(__file__).parent / "cards"
TASKS = ("punctuation", "columns", "translation")


@dataclass
class TransformerSeq2SeqArguments:
    d_model: int = field(default=128, metadata={"help": "Width of every layer."})
    num_heads: int = field(default=4, metadata={"help": "Attention heads per layer."})
    encoder_layers: int = field(default=2, metadata={"help": "Encoder layers."})
    decoder_layers: int = field(default=2, metadata={"help": "Decoder layers."})
    ffn_dim: int = field(default=512, metadata={"help": "Inner width of the feed-forward networks."})
    dropout: float = field(default=0.1, metadata={"help": "Residual dropout (the paper's P_drop)."})
    attention_dropout: float = field(default=0.0, metadata={"help": "Dropout on the attention probabilities."})
    activation: str = field(default="relu", metadata={"help": "Feed-forward activation.", "choices": ACTIVATIONS})
    position_encoding: str = field(default="sinusoidal", metadata={
        "help": "Position encoding.", "choices": POSITION_ENCODINGS})
    norm_style: str = field(default="pre", metadata={"help": "post (the paper's) or pre LayerNorm.",
                                                     "choices": NORM_STYLES})
    initializer_range: float | None = field(default=None, metadata={
        "help": "Std of the initial weights (default d_model^-0.5, the scale of Xavier's initialisation of a square "
                "layer, as the paper's implementations use; BERT's 0.02 learns the source-target alignment far slower "
                "at these widths)."})
    share_embeddings: bool = field(default=True, metadata={
        "help": "One matrix for the encoder's and decoder's token embeddings and the output layer (the paper's 3.4)."})

    dataset_name: str = field(default="karpathy/tiny_shakespeare", metadata={
        "help": "Hub id or local folder in Hub layout (see CLASSICNETS_DATA_MIRROR)."})
    dataset_config: str | None = field(default=None, metadata={"help": "The dataset's configuration, e.g. de-en."})
    train_file: str | None = field(default=None, metadata={"help": "CSV/JSON(L)/parquet file to train on instead."})
    validation_file: str | None = field(default=None, metadata={"help": "Validation file (with --train_file)."})
    train_split: str = field(default="train", metadata={"help": "Split to train on."})
    eval_split: str = field(default="validation", metadata={"help": "Split to evaluate on."})
    source_column: str | None = field(default=None, metadata={
        "help": "Column of the source texts (with --target_column)."})
    target_column: str | None = field(default=None, metadata={"help": "Column of the target texts."})
    source_lang: str | None = field(default=None, metadata={
        "help": "Translation layout: the source language's key in the translation column (with --target_lang)."})
    target_lang: str | None = field(default=None, metadata={"help": "Translation layout: the target language's key."})
    translation_column: str = field(default="translation", metadata={"help": "Column of the translation dicts."})
    text_column: str = field(default="text", metadata={
        "help": "Punctuation task (no source/target given): the column whose lines become the pairs."})
    max_train_samples: int | None = field(default=None, metadata={"help": "Keep only the first N training pairs."})
    max_eval_samples: int | None = field(default=None, metadata={"help": "Evaluate on the first N validation pairs."})

    tokenizer_name: str | None = field(default=None, metadata={
        "help": "Folder (or Hub id) of a tokenizer to use instead of training one."})
    tokenizer_type: str = field(default="char", metadata={
        "help": "Tokenizer trained on both sides: char (one token a character) or bpe (byte-level BPE).",
        "choices": TOKENIZER_TYPES})
    vocab_size: int = field(default=8000, metadata={"help": "Largest vocabulary of the trained tokenizer."})
    min_frequency: int = field(default=2, metadata={"help": "Minimum count of a character or BPE merge."})
    max_source_length: int = field(default=128, metadata={"help": "Longest source in tokens; longer are truncated."})
    max_target_length: int = field(default=128, metadata={"help": "Longest target in tokens; longer are truncated."})

    num_beams: int = field(default=1, metadata={"help": "Beam width of the evaluation's generation (1 = greedy)."})
    generation_max_new_tokens: int | None = field(default=None, metadata={
        "help": "Longest output the evaluation generates (default --max_target_length)."})
    num_samples: int = field(default=8, metadata={"help": "Validation examples printed at each evaluation and saved."})

    def __post_init__(self):
        from ...models.transformer.tokenization_seq2seq import SEQ2SEQ_SPECIAL_TOKENS
        from ..arguments import check_types, require
        from ..text_tasks import require_divisible_heads

        check_types(self)
        require(not self.validation_file or bool(self.train_file), "validation_file", "needs --train_file")
        require((self.source_column is None) == (self.target_column is None),
                "target_column" if self.source_column else "source_column",
                "is needed with --" + ("source_column" if self.source_column else "target_column"),
                hint="give both --source_column and --target_column (two columns), or neither")
        require((self.source_lang is None) == (self.target_lang is None),
                "target_lang" if self.source_lang else "source_lang",
                "is needed with --" + ("source_lang" if self.source_lang else "target_lang"),
                hint="give both --source_lang and --target_lang (translation layout), or neither")
        require(not (self.source_column and self.source_lang), "source_lang", "cannot be combined with --source_column",
                hint="give --source_column/--target_column or --source_lang/--target_lang, not both")
        for name in ("d_model", "num_heads", "encoder_layers", "decoder_layers", "ffn_dim", "min_frequency"):
            require(getattr(self, name) >= 1, name, "must be >= 1", getattr(self, name))
        require_divisible_heads(self.d_model, self.num_heads)
        for name in ("dropout", "attention_dropout"):
            require(0 <= getattr(self, name) < 1, name, "must be in [0, 1)", getattr(self, name))
        for name, allowed in (("activation", ACTIVATIONS), ("position_encoding", POSITION_ENCODINGS),
                              ("norm_style", NORM_STYLES), ("tokenizer_type", TOKENIZER_TYPES)):
            require(getattr(self, name) in allowed, name, f"must be one of {', '.join(allowed)}", getattr(self, name))
        require(self.initializer_range is None or self.initializer_range > 0, "initializer_range", "must be > 0",
                self.initializer_range, hint="leave it out for d_model^-0.5")
        specials = len(SEQ2SEQ_SPECIAL_TOKENS)
        require(self.vocab_size > specials, "vocab_size", f"must be >= {specials + 1}", self.vocab_size,
                hint=f"the vocabulary holds the {specials} special tokens {' '.join(SEQ2SEQ_SPECIAL_TOKENS)} and "
                     "at least one character or piece")
        for name in ("max_train_samples", "max_eval_samples"):
            require(getattr(self, name) is None or getattr(self, name) >= 1, name, "must be >= 1", getattr(self, name))
        for name in ("max_source_length", "max_target_length"):
            require(getattr(self, name) >= 2, name, "must be >= 2", getattr(self, name), hint="a token and [EOS]")
        require(self.num_beams >= 1, "num_beams", "must be >= 1", self.num_beams, hint="1 decodes greedily")
        longest = max(self.max_source_length, self.max_target_length)  # the model's max_position_embeddings
        require(self.generation_max_new_tokens is None or 1 <= self.generation_max_new_tokens <= longest,
                "generation_max_new_tokens", f"must lie in [1, {longest}]", self.generation_max_new_tokens,
                hint=f"the model has max(--max_source_length, --max_target_length) = {longest} positions")
        require(self.num_samples >= 0, "num_samples", "must be >= 0", self.num_samples,
                hint="0 prints and saves no samples")

    @property
    def task(self) -> str:
        return "columns" if self.source_column else "translation" if self.source_lang else "punctuation"


def strip_punctuation(line: str) -> str:
    """The punctuation task's source: lower case, every Unicode punctuation character removed, spaces collapsed.

    >>> strip_punctuation("Call'd Katharina, fair and virtuous?")
    'calld katharina fair and virtuous'
    """
    kept = "".join(c for c in line.lower() if not unicodedata.category(c).startswith("P"))
    return " ".join(kept.split())


def capitalise_and_stop(source: str) -> str:
    """The rule baseline: first letter upper-cased, a full stop at the end."""
    return source[:1].upper() + source[1:] + "."


def punctuation_pairs(texts: list[str]) -> tuple[list[str], list[str]]:
    """(sources, targets) from the non-empty lines of `texts`; a line with nothing left in its source is skipped."""
    sources, targets = [], []
    for text in texts:
        for line in (text or "").splitlines():
            line = line.strip()
            source = strip_punctuation(line)
            if source:
                sources.append(source)
                targets.append(line)
    return sources, targets


class TransformerSeq2SeqRecipe(Recipe):
    name = "transformer-seq2seq"
    arguments_class = TransformerSeq2SeqArguments
    card = CardSpec(
        template=CARDS / "transformer-seq2seq.md", pipeline_tag="text2text-generation",
        task_name="Text2Text Generation", dataset_id="karpathy/tiny_shakespeare",
        dataset_name="Tiny Shakespeare (punctuation and capitalisation restoration)",
        dataset_split="validation", auto_class="AutoModelForSeq2SeqLM",
        tags=("transformer", "encoder-decoder", "seq2seq", "text2text-generation"), language=("en",),
        widget=("to be or not to be that is the question",),
        architecture_keys=("vocab_size", "d_model", "num_heads", "encoder_layers", "decoder_layers",
                           "ffn_dim", "dropout", "activation", "position_encoding", "norm_style",
                           "tie_word_embeddings", "max_position_embeddings"),
    )
    eval_curve = ("val_chrf", "chrf.png", "validation chrF")
    training_defaults = {"learning_rate": 1e-3, "warmup_steps": 200, "per_device_train_batch_size": 64,
                         "per_device_eval_batch_size": 128, "weight_decay": 0.01}

    # --- data ---------------------------------------------------------------------------------------------

    def build(self, accelerator) -> None:
        args = self.args
        self.pairs = {split: self._pairs(split) for split in ("train", "eval")}
        self.dropped_overlap = 0
        if args.task == "punctuation":  # no validation line in training
            held_out = set(self.pairs["eval"][1])
            sources, targets = self.pairs["train"]
            kept = [i for i, t in enumerate(targets) if t not in held_out]
            self.dropped_overlap = len(targets) - len(kept)
            self.pairs["train"] = ([sources[i] for i in kept], [targets[i] for i in kept])
        for split, limit in (("train", args.max_train_samples), ("eval", args.max_eval_samples)):
            if limit is not None:
                self.pairs[split] = tuple(side[:limit] for side in self.pairs[split])
            if not self.pairs[split][0]:
                raise ValueError(f"The {split} split gave no (source, target) pairs: check the dataset and columns.")

        self.tokenizer = tok = self._tokenizer(accelerator)
        config = TransformerSeq2SeqConfig(
            vocab_size=len(tok), d_model=args.d_model, num_heads=args.num_heads, encoder_layers=args.encoder_layers,
            decoder_layers=args.decoder_layers, ffn_dim=args.ffn_dim, dropout=args.dropout,
            attention_dropout=args.attention_dropout, activation=args.activation,
            position_encoding=args.position_encoding, norm_style=args.norm_style,
            max_position_embeddings=max(args.max_source_length, args.max_target_length),
            initializer_range=args.initializer_range or args.d_model**-0.5,
            tie_word_embeddings=args.share_embeddings, pad_token_id=tok.pad_token_id, bos_token_id=tok.bos_token_id,
            eos_token_id=tok.eos_token_id,
        )
        self.model = TransformerForSeq2SeqLM(config)
        self.train_dataset = self._tokenize(*self.pairs["train"], "train")
        self.eval_dataset = self._tokenize(*self.pairs["eval"], "eval")
        self.collate_fn = Seq2SeqCollator(tok.pad_token_id)
        sources, references = self.pairs["eval"]
        self.baselines = {"copy": sources}
        if args.task == "punctuation":
            self.baselines["capitalise_and_stop"] = [capitalise_and_stop(s) for s in sources]
        self.baseline_scores = {name: {"chrf": chrf(hyps, references), "exact_match": exact_match(hyps, references)}
                                for name, hyps in self.baselines.items()}
        self.last_samples = None

    def _pairs(self, which: str) -> tuple[list[str], list[str]]:
        """(sources, targets) of the train or eval split, in the dataset's order."""
        args = self.args
        if not hasattr(self, "_splits"):
            self._splits = load_splits(args, **({"name": args.dataset_config} if args.dataset_config else {}))
        name = args.train_split if which == "train" else args.eval_split
        split = self._splits[name]
        if args.task == "columns":
            require_columns(split, [args.source_column, args.target_column], f"{self.name} on split {name!r}")
            split = self._first_rows(split, which)
            pairs = zip(split[args.source_column], split[args.target_column])
        elif args.task == "translation":
            require_columns(split, [args.translation_column], f"{self.name} (translation layout) on split {name!r}")
            pairs = translation_pairs(self._first_rows(split, which)[args.translation_column], args, name)
        else:
            require_columns(split, [args.text_column], f"{self.name} (punctuation task) on split {name!r}")
            return punctuation_pairs(split[args.text_column])
        kept = [(s, t) for s, t in pairs if isinstance(s, str) and isinstance(t, str) and s.strip() and t.strip()]
        return [s for s, _ in kept], [t for _, t in kept]

    def _first_rows(self, split, which: str):
        """With --max_train_samples/--max_eval_samples, only the rows that can give those pairs (a row is a pair):
        a large Hub corpus is not read into Python whole for a small run."""
        limit = self.args.max_train_samples if which == "train" else self.args.max_eval_samples
        return split if limit is None or limit >= len(split) else split.select(range(limit))

    def _tokenizer(self, accelerator):
        """--tokenizer_name, or one trained on the train split's sources and targets, once (`trained_once`)."""
        from transformers import AutoTokenizer

        args = self.args
        if args.tokenizer_name:
            tokenizer = AutoTokenizer.from_pretrained(args.tokenizer_name)
        else:
            sources, targets = self.pairs["train"]
            spec = {"data": Hasher.hash([sources, targets]), "tokenizer_type": args.tokenizer_type,
                    "vocab_size": args.vocab_size, "min_frequency": args.min_frequency}
            tokenizer = trained_once(accelerator, spec, lambda: train_seq2seq_tokenizer(
                sources + targets, args.tokenizer_type, args.vocab_size, args.min_frequency))
        tokenizer.model_max_length = max(args.max_source_length, args.max_target_length)
        missing = [n for n in ("pad_token_id", "bos_token_id", "eos_token_id") if getattr(tokenizer, n) is None]
        if missing:
            raise ValueError(f"The tokenizer {args.tokenizer_name} lacks {', '.join(missing)}: a sequence-to-sequence "
                             "model needs padding, a decoder start (bos) and an end (eos) token.")
        return tokenizer

    def _tokenize(self, sources: list[str], targets: list[str], name: str) -> Dataset:
        args, tok = self.args, self.tokenizer
        ids = tok(sources, truncation=True, max_length=args.max_source_length)["input_ids"]
        labels = tok(targets, truncation=True, max_length=args.max_target_length)["input_ids"]
        return Dataset.from_dict({"input_ids": ids, "labels": labels})

    # --- training and evaluation ----------------------------------------------------------------------------

    def compute_loss(self, model, batch) -> torch.Tensor:
        return model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], labels=batch["labels"]).loss

    @torch.no_grad()
    def evaluate(self, run, final: bool = False) -> dict:
        """Teacher-forced loss, then chrF and exact match of generated text; each process takes a share of the
        validation pairs (ordered by length, so that batches hold similar lengths) and the results are gathered."""
        from accelerate.utils import gather_object

        accelerator = run.accelerator
        model = accelerator.unwrap_model(run.models["model"])
        device = accelerator.device
        lengths = [len(ids) for ids in self.eval_dataset["input_ids"]]
        order = sorted(range(len(lengths)), key=lengths.__getitem__)
        mine = order[accelerator.process_index :: accelerator.num_processes]
        size = run.training_args.per_device_eval_batch_size
        totals = torch.zeros(2, device=device, dtype=torch.float64)  # loss sum, target tokens
        generated = []
        for start in range(0, len(mine), size):
            rows = mine[start : start + size]
            batch = {k: v.to(device) for k, v in self.collate_fn(self.eval_dataset[rows]).items()}
            with run.autocast():
                logits = model(**batch).logits
                output = model.generate(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
                                        max_new_tokens=(self.args.generation_max_new_tokens
                                                        or self.args.max_target_length),
                                        num_beams=self.args.num_beams,
                                        do_sample=False)
            totals += torch.stack([F.cross_entropy(logits.float().flatten(0, 1), batch["labels"].flatten(),
                                                   ignore_index=-100, reduction="sum").double(),
                                   (batch["labels"] != -100).sum().double()])
            texts = self.tokenizer.batch_decode(output, skip_special_tokens=True)
            generated += list(zip(rows, texts))
        loss_sum, count = accelerator.reduce(totals, "sum").tolist()
        generated = dict(gather_object(generated))
        sources, references = self.pairs["eval"]
        hypotheses = [generated[i] for i in range(len(references))]
        metrics = {"val_loss": loss_sum / max(count, 1), "val_chrf": chrf(hypotheses, references),
                   "val_exact_match": exact_match(hypotheses, references)}
        if final:
            for name, scores in self.baseline_scores.items():
                metrics.update({f"baseline_{name}_{k}": v for k, v in scores.items()})
        k = min(self.args.num_samples, len(references))
        self.last_samples = samples_text(sources[:k], references[:k], hypotheses[:k])
        run.print(self.last_samples)
        return metrics

    # --- outputs ------------------------------------------------------------------------------------------

    def save_pretrained(self, models, output_dir: Path) -> None:
        """Model (with its modelling and pipeline code), tokenizer and samples.txt."""
        models["model"].save_pretrained(output_dir)
        self.tokenizer.save_pretrained(output_dir)
        if self.last_samples is not None:
            (output_dir / "samples.txt").write_text(self.last_samples + "\n", encoding="utf-8")


    def card_metrics(self, final: dict) -> dict:
        return {
            "val_chrf": {"value": final["val_chrf"], "name": "chrF", "type": "chrf"},
            "val_exact_match": {"value": final["val_exact_match"], "name": "Exact match", "type": "exact_match"},
            "val_loss": {"value": final["val_loss"], "name": "Loss (cross entropy, nats per token)", "type": "loss"},
        }

    def card_extras(self, output_dir: Path) -> dict:
        extras = {"extra_sections": [("Baselines", self.baselines_markdown())]}
        if (output_dir / "samples.txt").exists():
            extras["sample_text"] = (output_dir / "samples.txt").read_text(encoding="utf-8").rstrip()
        return extras

    def baselines_markdown(self) -> str:
        descriptions = {"copy": "copy the source unchanged",
                        "capitalise_and_stop": "capitalise the first letter, end with a full stop"}
        lines = ["Scored by the same code on the same validation pairs as the model.", "",
                 "| baseline | chrF | exact match |", "|---|---|---|"]
        for name, scores in self.baseline_scores.items():
            lines.append(f"| {descriptions.get(name, name)} | {scores['chrf']:.2f} | {scores['exact_match']:.4f} |")
        return "\n".join(lines)

    def describe(self, run) -> str:
        args = self.args
        source = args.train_file or args.dataset_name
        layout = {"punctuation": f"punctuation restoration on the lines of column {args.text_column!r}",
                  "columns": f"columns {args.source_column!r} -> {args.target_column!r}",
                  "translation": f"{args.translation_column}[{args.source_lang!r}] -> [{args.target_lang!r}]"}
        lines = [
            super().describe(run),
            f"  data: {len(self.train_dataset):,} training pairs [{args.train_split}], {len(self.eval_dataset):,} "
            f"evaluation pairs [{args.eval_split}] from {source}: {layout[args.task]}",
            f"  tokenizer: {len(self.tokenizer):,} tokens ({args.tokenizer_name or args.tokenizer_type}), "
            f"max lengths {args.max_source_length} (source) / {args.max_target_length} (target)",
        ]
        if self.dropped_overlap:
            lines.append(f"  dropped {self.dropped_overlap:,} training lines that also occur in the validation text")
        lines += [f"  baseline {name}: chrF {s['chrf']:.2f}, exact match {s['exact_match']:.4f}"
                  for name, s in self.baseline_scores.items()]
        return "\n".join(lines)


def translation_pairs(rows, args, split_name: str):
    """(source, target) of each translation dict; a row without one of the two languages is named."""
    for index, row in enumerate(rows):
        if not isinstance(row, dict) or args.source_lang not in row or args.target_lang not in row:
            found = sorted(row) if isinstance(row, dict) else type(row).__name__
            raise ValueError(f"Row {index} of split {split_name!r}: the {args.translation_column!r} column holds "
                             f"{found}, not both {args.source_lang!r} and {args.target_lang!r}: set --source_lang "
                             "and --target_lang to two languages every row has.")
        yield row[args.source_lang], row[args.target_lang]


def samples_text(sources: list[str], references: list[str], hypotheses: list[str]) -> str:
    blocks = [f"source:    {s}\nreference: {r}\nmodel:     {h}" for s, r, h in zip(sources, references, hypotheses)]
    return "\n\n".join(blocks)
