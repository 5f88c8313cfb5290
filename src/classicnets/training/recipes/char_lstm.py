"""char-lstm: a character-level LSTM language model on Tiny Shakespeare (or any text).

Training data: the train split as one character stream, cut into windows of `block_size + 1` characters
(stride `block_size`); position t predicts character t+1; windows are shuffled and each starts from a zero state.
`--stateful_training` instead splits the stream into one contiguous stretch per batch row (per process): each row
of a batch reads the next window of its stretch and the LSTM state is carried from one batch to the next,
detached (truncated backpropagation through time, as in Karpathy's char-rnn). Measured on Tiny Shakespeare at
batch 8, it learns slower (1.755 against 1.593 nats/char after 440 steps: consecutive batches of 8 streams are
too alike), so it is not the default. Evaluation: a *stateful* pass over the whole
validation split: the split is cut into `eval_streams` contiguous streams that are read in chunks with the LSTM
state carried across chunks, so every character but the first of each stream is predicted with all of its
stream's history. Reported in nats/char (`val_loss`) and bits/char (`val_bpc`). At the end the same is done on
nanoGPT's validation split (the last 10% of the text, which for Tiny Shakespeare is the Hub validation and
test splits together).
"""

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader
from transformers import GenerationConfig

from ...data import check_text_file, load_hub_dataset, require_columns
from ...errors import DataError
from ...hub import CardSpec
from ...models.char_lstm import CharLSTMConfig, CharLSTMForCausalLM, CharTokenizer
from ...models.char_lstm.configuration_char_lstm import PRESETS
from ..arguments import check_types, require
from ..recipe import Recipe

CARDS = Path(__file__).parent / "cards"


@dataclass
class CharLSTMArguments:
    preset: str = field(default="shakespeare", metadata={"help": f"Architecture preset: {', '.join(PRESETS)}."})
    hidden_size: int | None = field(default=None, metadata={"help": "Override the preset's LSTM width."})
    num_layers: int | None = field(default=None, metadata={"help": "Override the preset's LSTM depth."})
    dropout: float | None = field(default=None, metadata={"help": "Override the preset's dropout."})
    dataset_name: str = field(default="karpathy/tiny_shakespeare",
                              metadata={"help": "Hub id or local folder in Hub layout (see CLASSICNETS_DATA_MIRROR)."})
    train_file: str | None = field(default=None, metadata={
        "help": "Plain text file to train on instead (see --encoding)."})
    validation_file: str | None = field(default=None, metadata={
        "help": "Plain text for validation (with --train_file)."})
    encoding: str = field(default="utf-8", metadata={
        "help": "Encoding of --train_file and --validation_file, e.g. latin-1 or cp1252."})
    text_column: str = field(default="text", metadata={"help": "Column holding the text."})
    block_size: int = field(default=128, metadata={"help": "Characters per training window (backprop through time)."})
    stateful_training: bool = field(default=False, metadata={
        "help": "Carry the LSTM state across consecutive windows of contiguous per-row streams (truncated BPTT, "
                "char-rnn) instead of shuffled windows from a zero state. Slower to learn at small batches."})
    eval_streams: int = field(default=32, metadata={"help": "Parallel streams of the stateful validation pass."})
    eval_chunk: int = field(default=512, metadata={"help": "Characters per forward step of the validation pass."})
    sample_prompt: str = field(default="ROMEO:", metadata={"help": "Prompt of the sample written at the end."})
    sample_chars: int = field(default=500, metadata={"help": "Characters sampled at the end (0: none)."})

    def __post_init__(self):
        import codecs

        check_types(self)
        require(self.preset in PRESETS, "preset", f"must be one of {', '.join(PRESETS)}", self.preset)
        for name in ("hidden_size", "num_layers"):
            require(getattr(self, name) is None or getattr(self, name) >= 1, name, "must be >= 1", getattr(self, name))
        require(self.dropout is None or 0 <= self.dropout < 1, "dropout", "must be in [0, 1)", self.dropout)
        require(self.block_size >= 2, "block_size", "must be >= 2", self.block_size,
                hint="a window needs one character to read and one to predict")
        require(not self.validation_file or bool(self.train_file), "validation_file", "needs --train_file")
        for name in ("eval_streams", "eval_chunk"):
            require(getattr(self, name) >= 1, name, "must be >= 1", getattr(self, name))
        require(self.sample_chars >= 0, "sample_chars", "must be >= 0", self.sample_chars, hint="0 writes no sample")
        require(bool(self.sample_prompt) or self.sample_chars == 0, "sample_prompt", "must hold at least one character",
                self.sample_prompt, hint="the sample continues it; --sample_chars 0 writes no sample")
        try:
            codecs.lookup(self.encoding)
        except LookupError:
            require(False, "encoding", "is not an encoding Python knows", self.encoding,
                    hint="e.g. utf-8, latin-1, cp1252")


class CharLSTMRecipe(Recipe):
    name = "char-lstm"
    arguments_class = CharLSTMArguments
    card = CardSpec(
        template=CARDS / "char-lstm.md", pipeline_tag="text-generation", task_name="Text Generation",
        dataset_id="karpathy/tiny_shakespeare", dataset_name="Tiny Shakespeare", dataset_split="validation",
        auto_class="AutoModelForCausalLM", tags=("char-lstm", "lstm", "character-level", "text-generation"),
        language=("en",), widget=("ROMEO:",),
        architecture_keys=("vocab_size", "embedding_size", "hidden_size", "num_layers", "dropout",
                           "tie_word_embeddings"),
    )
    # Measured on Tiny Shakespeare, 2 CPU cores (model_cards/char-lstm.md): many small steps beat fewer large ones.
    training_defaults = {"per_device_train_batch_size": 8, "learning_rate": 6e-3, "warmup_steps": 20,
                         "adam_beta2": 0.99, "lr_scheduler_type": "linear"}

    def build(self, accelerator) -> None:
        args = self.args
        splits = self._load_splits()
        self.tokenizer = CharTokenizer.from_corpus(splits["train"][args.text_column])
        overrides = {k: getattr(args, k) for k in ("hidden_size", "num_layers", "dropout")
                     if getattr(args, k) is not None}
        if "hidden_size" in overrides and PRESETS[args.preset].get("tie_word_embeddings"):
            overrides["embedding_size"] = overrides["hidden_size"]
        config = CharLSTMConfig.from_preset(
            args.preset, vocab_size=len(self.tokenizer), pad_token_id=self.tokenizer.pad_token_id,
            bos_token_id=self.tokenizer.bos_token_id, eos_token_id=self.tokenizer.eos_token_id,
            unk_token_id=self.tokenizer.unk_token_id, **overrides,
        )
        self.model = CharLSTMForCausalLM(config)
        self.model.generation_config = GenerationConfig(
            do_sample=True, temperature=0.8, max_new_tokens=args.sample_chars or 500,
            pad_token_id=self.tokenizer.pad_token_id, eos_token_id=None,
        )
        size = self._window_size(splits["train"], accelerator)
        # batch_size=None: the whole split is one character stream, so no window is lost at a map-batch boundary.
        self.train_dataset = splits["train"].map(
            windows, batched=True, batch_size=None, remove_columns=splits["train"].column_names,
            fn_kwargs={"tokenizer": self.tokenizer, "text_column": args.text_column, "size": size,
                       "cover_tail": not args.stateful_training},  # streams must stay stride-aligned
            desc="Cutting the corpus into windows",
        ).with_format("torch")
        self.eval_texts = {"val": _joined(splits, ["validation"], args.text_column)}
        if "test" in splits:
            self.eval_texts["nanogpt_val"] = _joined(splits, ["validation", "test"], args.text_column)

    def _window_size(self, train_split, accelerator) -> int:
        """`block_size + 1`, or the whole text when it is shorter than that (a text of two characters trains)."""
        chars = sum(len(t) for t in train_split[self.args.text_column])
        if chars < 2:
            raise DataError(f"The training text has {chars} character(s): a language model needs at least two "
                             "(one to read, one to predict). Give a longer --train_file or dataset.")
        if chars < self.args.block_size + 1:
            (accelerator.print if accelerator is not None else print)(
                f"The training text has {chars} characters, fewer than one window of --block_size "
                f"{self.args.block_size} + 1: training on one window of the whole text.")
            return chars
        return self.args.block_size + 1

    def _load_splits(self):
        args = self.args
        if args.train_file:
            from datasets import load_dataset

            files = {"train": args.train_file, **({"validation": args.validation_file} if args.validation_file else {})}
            for split, path in files.items():  # a wrong encoding is named here, not deep inside `datasets`
                check_text_file(path, args.encoding, f"{split}_file")
            splits = load_dataset("text", data_files=files, sample_by="document", encoding=args.encoding)
        else:
            splits = load_hub_dataset(args.dataset_name)
        for split in splits.values():
            require_columns(split, [args.text_column], f"char-lstm (--text_column {args.text_column})")
        if "validation" not in splits:
            raise DataError(f"The dataset has splits {list(splits)} but no 'validation' split: "
                             "pass --validation_file (or a dataset with one).")
        return splits

    def compute_loss(self, model, batch) -> torch.Tensor:
        ids = batch["input_ids"]  # (B, block_size + 1)
        return model(input_ids=ids, labels=ids).loss

    # --- stateful truncated BPTT -------------------------------------------------------------------------------

    def train_dataloader(self, training_args, accelerator) -> DataLoader:
        if not self.args.stateful_training:
            return super().train_dataloader(training_args, accelerator)
        rows, processes = training_args.per_device_train_batch_size, accelerator.num_processes
        order = stream_order(len(self.train_dataset), rows, processes)
        if len(order) == 0:
            raise DataError(f"The training text has {len(self.train_dataset)} windows of {self.args.block_size + 1} "
                             f"characters, fewer than the {rows * processes} streams of batch size {rows} x "
                             f"{processes} process(es): use more text, a smaller batch or shuffled windows "
                             "(no --stateful_training).")
        self.carried = CarriedState()
        self.register_state("carried_state", self.carried)  # a resumed run continues with the same state
        # Not shuffled: accelerate hands process k every k-th batch, which `stream_order` laid out for it.
        # A generator of its own: a DataLoader without one draws a seed from the global RNG at every epoch start,
        # which would shift the dropout masks of a resumed run.
        return DataLoader(self.train_dataset.select(order), batch_size=rows, shuffle=False, drop_last=True,
                          generator=torch.Generator().manual_seed(training_args.seed))

    def training_step(self, run, batch) -> dict:
        if not self.args.stateful_training:
            return super().training_step(run, batch)
        ids = batch["input_ids"]  # (B, T + 1): the next window of each row's stream
        state = None if run.batches_done_in_epoch == 0 else self.carried.to(ids.device)  # fresh each epoch
        out = run.models["model"](input_ids=ids[:, :-1], state=state)  # state after exactly T characters
        loss = F.cross_entropy(out.logits.float().flatten(0, 1), ids[:, 1:].flatten())
        self.carried.state = tuple(s.detach() for s in out.state)  # truncated: no gradient into earlier windows
        run.optimize(loss, "model")
        return {"loss": loss.detach().float().item()}

    def evaluate(self, run, final: bool = False) -> dict:
        model = run.accelerator.unwrap_model(run.models["model"])
        metrics = {}
        for name, text in self.eval_texts.items():
            if name != "val" and not final:
                continue
            ids = torch.from_numpy(self.tokenizer.encode_corpus(text))
            nll, count = stream_nll(model, ids, self.args.eval_streams, self.args.eval_chunk, run.accelerator)
            metrics[f"{name}_loss"] = nll / count
            metrics[f"{name}_bpc"] = nll / count / math.log(2)
            metrics[f"{name}_chars"] = count
        return metrics

    def save_pretrained(self, models, output_dir: Path) -> None:
        model = models["model"]
        model.save_pretrained(output_dir)
        self.tokenizer.save_pretrained(output_dir)
        if self.args.sample_chars:
            torch.manual_seed(0)
            prompt = self.tokenizer([self.args.sample_prompt], return_tensors="pt").to(model.device)
            out = model.generate(**prompt, max_new_tokens=self.args.sample_chars)
            (output_dir / "samples.txt").write_text(self.tokenizer.decode(out[0]), encoding="utf-8")


    def card_metrics(self, final: dict) -> dict:
        metrics = {
            "val_loss": {"value": final["val_loss"], "name": "validation loss (nats/char)", "type": "loss"},
            "val_bpc": {"value": final["val_bpc"], "name": "validation bits/char", "type": "bits_per_character"},
        }
        if "nanogpt_val_loss" in final:
            metrics["nanogpt_val_loss"] = {
                "value": final["nanogpt_val_loss"], "type": "loss", "split": "validation+test",
                "name": "loss on nanoGPT's split, the last 10% of the text (nats/char)"}
        return metrics

    def card_extras(self, output_dir: Path) -> dict:
        samples = output_dir / "samples.txt"
        return {"sample_text": samples.read_text(encoding="utf-8")} if samples.exists() else {}


def stream_order(num_windows: int, rows: int, processes: int = 1) -> list[int]:
    """Order consecutive windows for stateful training: `rows * processes` streams of `num_windows // streams`
    consecutive windows each; global batch `i * processes + k` (process k's i-th) holds window i of streams
    `k * rows ... k * rows + rows - 1`. The tail that does not fill a stream is left out."""
    streams = rows * processes
    per_stream = num_windows // streams
    order = np.arange(streams * per_stream).reshape(streams, per_stream)  # stream s: windows s*C ... s*C + C - 1
    return order.T.reshape(-1).tolist()  # window 0 of streams 0..S-1, window 1 of streams 0..S-1, ...


class CarriedState:
    """The LSTM state `(h, c)` carried from one training batch to the next; a checkpointable object."""

    def __init__(self):
        self.state = None

    def to(self, device) -> tuple | None:
        return None if self.state is None else tuple(s.to(device) for s in self.state)

    def state_dict(self) -> dict:
        return {} if self.state is None else {"h": self.state[0].cpu(), "c": self.state[1].cpu()}

    def load_state_dict(self, state: dict) -> None:
        self.state = (state["h"], state["c"]) if state else None


def windows(batch: dict, tokenizer: CharTokenizer, text_column: str, size: int, cover_tail: bool = True) -> dict:
    """Batched map: texts -> one stream -> windows of `size` ids, overlapping by one (stride size - 1).

    With `cover_tail`, a last window ends at the end of the stream (it overlaps the one before), so every character
    of the text is predicted in training, the remainder after the last full stride included."""
    stream = np.concatenate([tokenizer.encode_corpus(t) for t in batch[text_column]])
    stride = size - 1
    starts = list(range(0, len(stream) - size + 1, stride))
    if cover_tail and starts and starts[-1] + size < len(stream):
        starts.append(len(stream) - size)
    return {"input_ids": [stream[s : s + size] for s in starts]}


def _joined(splits, names: list[str], column: str) -> str:
    return "".join("".join(splits[n][column]) for n in names if n in splits)


@torch.no_grad()
def stream_nll(model, ids: torch.Tensor, num_streams: int, chunk: int, accelerator) -> tuple[float, int]:
    """Summed next-character NLL (nats) over `ids` read as `num_streams` stateful streams, across processes."""
    num_streams = max(1, min(num_streams, len(ids) // 2))
    length = math.ceil(len(ids) / num_streams)
    padded = torch.full((num_streams * length,), -100, dtype=torch.long)
    padded[: len(ids)] = ids
    streams = padded.view(num_streams, length)[accelerator.process_index :: accelerator.num_processes]
    streams = streams.to(accelerator.device)
    inputs = streams.clamp(min=0)  # padding sits at the very end: its inputs are never scored
    total, count, state = torch.zeros((), device=accelerator.device), torch.zeros((), device=accelerator.device), None
    for start in range(0, length - 1, chunk):
        x = inputs[:, start : start + chunk]
        y = streams[:, start + 1 : start + chunk + 1]
        x = x[:, : y.shape[1]]
        out = model(input_ids=x, state=state)
        state = out.state
        total += F.cross_entropy(out.logits.float().flatten(0, 1), y.flatten(), ignore_index=-100, reduction="sum")
        count += (y != -100).sum()
    total = accelerator.reduce(total, "sum")
    count = accelerator.reduce(count, "sum")
    return total.item(), int(count.item())
