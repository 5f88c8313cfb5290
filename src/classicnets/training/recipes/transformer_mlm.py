"""transformer-mlm: masked-language-model pre-training of the transformer encoder on a text column (BERT's recipe).

By default on SST-2's own training text (`stanfordnlp/sst2`, column `sentence`; the labels are never read), so that
`classicnets train transformer-sst2 --init_from <this output_dir>` starts its classifier from an encoder that has
already learned the language of the reviews: no outside data, no pretrained weights. A WordPiece tokenizer is
trained on the train split (as transformer-sst2 does), and saved with the model, so the fine-tuning run uses the
same token ids. Masking (each training batch anew): 15% of the word pieces are chosen; of those 80% become [MASK],
10% a random token and 10% stay; the loss is the cross entropy at the chosen positions. Evaluation: the same on the
validation split with a fixed masking seed, so evaluations are comparable; loss, accuracy and perplexity. The
output folder loads with `AutoModelForMaskedLM` and `pipeline("fill-mask", model=<output_dir>)`.
"""

from dataclasses import dataclass, field
from pathlib import Path

import torch

from ...hub import CardSpec
from ...models.transformer import TransformerForMaskedLM
from ..arguments import require, require_seed
from ..text_tasks import MaskingCollator, TransformerTextArguments, TransformerTextRecipe

CARDS = Path(__file__).parent / "cards"
EXAMPLE_SENTENCES = ["a [MASK] , beautifully acted film .", "the plot is [MASK] and the jokes fall flat ."]


@dataclass
class TransformerMLMArguments(TransformerTextArguments):
    mlm_probability: float = field(default=0.15, metadata={"help": "Share of word pieces to predict per sentence."})
    mask_seed: int = field(default=0, metadata={"help": "Seed of the evaluation's (fixed) masking."})

    def __post_init__(self):
        super().__post_init__()
        require(0.0 < self.mlm_probability < 1.0, "mlm_probability", "must be in (0, 1)", self.mlm_probability)
        require_seed(self.mask_seed, "mask_seed")


class TransformerMLMRecipe(TransformerTextRecipe):
    name = "transformer-mlm"
    arguments_class = TransformerMLMArguments
    card = CardSpec(
        template=CARDS / "transformer-mlm.md", pipeline_tag="fill-mask", task_name="Fill-Mask",
        dataset_id="stanfordnlp/sst2", dataset_name="SST-2 (text only)", dataset_split="validation",
        auto_class="AutoModelForMaskedLM", tags=("transformer", "fill-mask", "masked-lm"), language=("en",),
        widget=("a [MASK] , beautifully acted film .",),  # SST-2's text: lower case, tokens spaced
        architecture_keys=("vocab_size", "d_model", "num_heads", "encoder_layers", "ffn_dim", "dropout",
                           "activation", "position_encoding", "norm_style", "max_position_embeddings"),
    )

    def build(self, accelerator) -> None:
        args = self.args
        splits = self._load_splits()
        train, validation = splits[args.train_split], splits[args.eval_split]
        self.tokenizer = self._tokenizer(train, accelerator)
        self.model = TransformerForMaskedLM(self._config(self.tokenizer, tie_word_embeddings=True))
        self.train_dataset = self._tokenize(train, args.train_split)
        self.eval_dataset = self._tokenize(validation, args.eval_split)
        self.collate_fn = MaskingCollator(self.tokenizer, args.mlm_probability)

    @torch.no_grad()
    def evaluate(self, run, final: bool = False) -> dict:
        """Masked-token loss and accuracy on the evaluation split, masked the same way every time; each process
        scores a share and the sums are reduced."""
        accelerator, model = run.accelerator, run.models["model"]
        collate = MaskingCollator(self.tokenizer, self.args.mlm_probability,
                                  torch.Generator().manual_seed(self.args.mask_seed + accelerator.process_index))
        mine = list(range(accelerator.process_index, len(self.eval_dataset), accelerator.num_processes))
        size = run.training_args.per_device_eval_batch_size
        totals = torch.zeros(3, device=accelerator.device, dtype=torch.float64)  # loss sum, correct, predicted
        for start in range(0, len(mine), size):
            batch = {k: v.to(accelerator.device)
                     for k, v in collate(self.eval_dataset[mine[start : start + size]]).items()}
            with accelerator.autocast():
                logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
            chosen = batch["labels"] != -100
            logits, labels = logits[chosen].float(), batch["labels"][chosen]
            totals += torch.stack([torch.nn.functional.cross_entropy(logits, labels, reduction="sum").double(),
                                   (logits.argmax(-1) == labels).sum().double(),
                                   torch.tensor(float(labels.numel()), dtype=torch.float64, device=labels.device)])
        loss_sum, correct, count = accelerator.reduce(totals, "sum").tolist()
        loss = loss_sum / max(count, 1)
        return {"val_loss": loss, "val_mlm_accuracy": correct / max(count, 1),
                "val_perplexity": float(torch.tensor(loss).exp())}

    def save_pretrained(self, models, output_dir: Path) -> None:
        model = models["model"]
        model.save_pretrained(output_dir)
        self.tokenizer.save_pretrained(output_dir)
        (output_dir / "examples.txt").write_text(self._fill_examples(model), encoding="utf-8")

    @torch.no_grad()
    def _fill_examples(self, model) -> str:
        """Each example sentence with the model's five likeliest words for its [MASK]."""
        was_training = model.training
        model.eval()
        inputs = self.tokenizer(EXAMPLE_SENTENCES, return_tensors="pt", padding=True).to(model.device)
        logits = model(**inputs).logits
        model.train(was_training)
        lines = []
        for row, sentence in enumerate(EXAMPLE_SENTENCES):
            position = int((inputs["input_ids"][row] == self.tokenizer.mask_token_id).nonzero()[0])
            top = logits[row, position].float().softmax(-1).topk(5)
            words = ", ".join(f"{self.tokenizer.convert_ids_to_tokens(int(i))} ({p:.2f})"
                              for p, i in zip(top.values, top.indices))
            lines.append(f"{sentence}\n    -> {words}")
        return "\n".join(lines)

    def card_metrics(self, final: dict) -> dict:
        return {
            "val_mlm_accuracy": {"value": final["val_mlm_accuracy"], "name": "Masked-token accuracy",
                                 "type": "accuracy"},
            "val_perplexity": {"value": final["val_perplexity"], "name": "Perplexity (masked tokens)",
                               "type": "perplexity"},
            "val_loss": {"value": final["val_loss"], "name": "Loss (cross entropy, nats)", "type": "loss"},
        }

    def card_extras(self, output_dir: Path) -> dict:
        examples = output_dir / "examples.txt"
        return {"sample_text": examples.read_text(encoding="utf-8")} if examples.exists() else {}

    def describe(self, run) -> str:
        args = self.args
        return "\n".join([
            super().describe(run),
            f"  data: {len(self.train_dataset):,} training texts [{args.train_split}], {len(self.eval_dataset):,} "
            f"evaluation texts [{args.eval_split}] from {args.train_file or args.dataset_name} "
            f"(column {args.text_column!r}; labels unused)",
            f"{self._tokenizer_description()}; masking {args.mlm_probability:.0%} (80% [MASK], 10% random, 10% kept)",
        ])
