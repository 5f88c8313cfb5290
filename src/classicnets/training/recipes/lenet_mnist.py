"""lenet-mnist: a LeNet-style convolutional classifier on MNIST, or any dataset of small square images.

The images are decoded once into a uint8 tensor; the model's `image_size` and `num_channels` come from them,
its labels from the label column (with their names when it is a `ClassLabel`). The defaults train the MNIST
classifier that scores the GANs (LeNet-FID, classifier Inception score): AdamW at 3e-3 (weight decay on every
parameter) under a one-cycle schedule (15% of the steps rising), batch 128 with the last partial batch kept,
two epochs, each in the order of one `torch.randperm` stream seeded with --seed: the training of the classifier
the GAN figures in model_cards/gan-mnist.md were measured with, step for step (tests/training/test_lenet_mnist.py
checks the engine against that plain loop).

Evaluation (every --eval_steps, and at the end) measures loss and accuracy on the test split. At the end,
--reference_metrics (on by default) also measures what real images score under the classifier, the targets of
a generator's numbers: the LeNet-FID floor (10,000 train against 10,000 test images) and the Inception score
and confident share of the test images.

    classicnets train lenet-mnist --output_dir outputs/lenet-mnist
    classicnets evaluate gan-mnist outputs/gan-mnist --classifier outputs/lenet-mnist
"""

from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, Sampler

from ...data import load_hub_dataset, require_columns
from ...data.images import ImageTensorDataset, class_names, collate_images, decode_images, decode_labels
from ...errors import DataError
from ...evaluation.image_metrics import LENET_FID_NAMES, LENET_FID_TYPES
from ...hub import CardSpec
from ...models.lenet import LENET_PRESETS, LeNetConfig, LeNetForImageClassification
from ..arguments import check_types, require
from ..recipe import Recipe

CARDS = Path(__file__).parent / "cards"
ARCHITECTURE_OPTIONS = ("conv_channels", "feature_size", "dropout")


@dataclass
class LeNetMNISTArguments:
    preset: str = field(default="mnist", metadata={
        "help": f"Architecture preset: {', '.join(LENET_PRESETS)}."})
    conv_channels: list[int] | None = field(default=None, metadata={
        "help": "Override the preset's convolution channels, one a stage, e.g. 32 64."})
    feature_size: int | None = field(default=None, metadata={
        "help": "Override the preset's width of the feature layer (the LeNet-FID embedding)."})
    dropout: float | None = field(default=None, metadata={
        "help": "Override the preset's dropout on the features."})
    dataset_name: str = field(default="ylecun/mnist", metadata={
        "help": "Hub id or local folder in Hub layout (see CLASSICNETS_DATA_MIRROR)."})
    image_column: str = field(default="image", metadata={
        "help": "Column holding the images (PIL or arrays)."})
    label_column: str = field(default="label", metadata={"help": "Column holding the class ids."})
    train_split: str = field(default="train", metadata={"help": "Split to train on."})
    eval_split: str = field(default="test", metadata={"help": "Split to measure loss and accuracy on."})
    max_train_samples: int | None = field(default=None, metadata={
        "help": "Train on the first N images only."})
    max_eval_samples: int | None = field(default=None, metadata={
        "help": "Evaluate on the first N images only."})
    warmup_fraction: float = field(default=0.15, metadata={
        "help": "Share of the steps the one-cycle schedule spends rising to --learning_rate (OneCycleLR's "
                "pct_start); it then anneals (cosine) to 1/10,000 of it. --lr_scheduler_type and --warmup_steps "
                "are not used."})
    reference_metrics: bool = field(default=True, metadata={
        "help": "At the end, also measure what real images score under the classifier: the LeNet-FID floor "
                "(up to 10,000 train vs 10,000 test images) and the test images' Inception score and "
                "confident share (a few seconds on a CPU). --reference_metrics false skips them."})

    def __post_init__(self):
        check_types(self)
        require(self.preset in LENET_PRESETS, "preset", f"must be one of {', '.join(LENET_PRESETS)}",
                self.preset)
        require(self.conv_channels is None or (len(self.conv_channels) > 0 and min(self.conv_channels) >= 1),
                "conv_channels", "must be channel counts >= 1", self.conv_channels)
        require(self.feature_size is None or self.feature_size >= 1, "feature_size", "must be >= 1",
                self.feature_size)
        require(0 < self.warmup_fraction < 1, "warmup_fraction", "must be in (0, 1)", self.warmup_fraction)
        require(self.dropout is None or 0 <= self.dropout < 1, "dropout", "must be in [0, 1)", self.dropout)
        for name in ("max_train_samples", "max_eval_samples"):
            require(getattr(self, name) is None or getattr(self, name) >= 1, name, "must be >= 1",
                    getattr(self, name))


class EpochPermutations(Sampler):
    """Epoch e visits the images in the (e+1)-th `torch.randperm(n)` drawn from one generator seeded with `seed`:
    a plain loop's `order = torch.randperm(n, generator=rng)` at the top of each epoch. Depends on the epoch only
    (the engine's `set_epoch`), so a resumed run continues in the same order."""

    def __init__(self, num_examples: int, seed: int):
        self.num_examples, self.seed, self.epoch = num_examples, seed, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return self.num_examples

    def __iter__(self):
        rng = torch.Generator().manual_seed(self.seed)
        for _ in range(self.epoch):  # the draws of the epochs before (~1 ms each for 60,000 images)
            torch.randperm(self.num_examples, generator=rng)
        return iter(torch.randperm(self.num_examples, generator=rng).tolist())


def collate_channels_last(data) -> dict:
    """`collate_images`, the pixels in the model's channels-last layout (faster convolutions on a CPU)."""
    batch = collate_images(data)
    batch["pixel_values"] = batch["pixel_values"].contiguous(memory_format=torch.channels_last)
    return batch


class LeNetMNISTRecipe(Recipe):
    name = "lenet-mnist"
    arguments_class = LeNetMNISTArguments
    card = CardSpec(
        template=CARDS / "lenet-mnist.md", pipeline_tag="image-classification",
        task_name="Image Classification", dataset_id="ylecun/mnist", dataset_name="MNIST",
        dataset_split="test", auto_class="AutoModelForImageClassification",
        architecture_keys=("image_size", "num_channels", "conv_channels", "kernel_size", "padding",
                           "feature_size", "dropout", "image_mean", "image_std"),
        tags=("lenet", "cnn", "image-classification", "mnist"),
        unused_hyperparameters=("lr_scheduler_type", "warmup_steps"),  # the recipe's one-cycle schedule instead
        metric_names=LENET_FID_NAMES, metric_types=LENET_FID_TYPES,
    )
    eval_curve = ("test_accuracy", "accuracy.png", "test accuracy")
    # The MNIST evaluation classifier: two epochs of batch 128 (2 x 469 steps), no gradient clipping.
    training_defaults = {"num_train_epochs": 2, "per_device_train_batch_size": 128,
                         "per_device_eval_batch_size": 1000, "learning_rate": 3e-3, "weight_decay": 1e-4,
                         "max_grad_norm": 0.0, "eval_steps": 200, "seed": 0}

    # --- data and model -------------------------------------------------------------------------------------

    def build(self, accelerator) -> None:
        args = self.args
        splits = load_hub_dataset(args.dataset_name)
        for split, option in ((args.train_split, "--train_split"), (args.eval_split, "--eval_split")):
            if split not in splits:
                raise DataError(f"The dataset has splits {list(splits)} but no {split!r} ({option}).")
        train, test = splits[args.train_split], splits[args.eval_split]
        if args.max_train_samples:
            train = train.select(range(min(args.max_train_samples, len(train))))
        if args.max_eval_samples:
            test = test.select(range(min(args.max_eval_samples, len(test))))
        columns = f"--image_column {args.image_column}, --label_column {args.label_column}"

        what = f"lenet-mnist ({args.train_split} split)"
        require_columns(train, [args.image_column, args.label_column], f"{what} ({columns})")
        images = decode_images(train, args.image_column, what)
        channels, size = images.shape[1], images.shape[2]
        if images.shape[3] != size:
            raise DataError(f"{what}: LeNet takes square images, but column {args.image_column!r} holds "
                            f"{images.shape[2]}x{images.shape[3]} ones: crop or resize them first.")
        names = class_names(train, args.label_column)
        labels = decode_labels(train, args.label_column, what, len(names) if names else None)
        names = names or [str(i) for i in range(int(labels.max()) + 1)]
        overrides = {k: getattr(args, k) for k in ARCHITECTURE_OPTIONS if getattr(args, k) is not None}
        try:
            self.config = LeNetConfig.from_preset(
                args.preset, image_size=size, num_channels=channels, id2label=dict(enumerate(names)),
                label2id={name: i for i, name in enumerate(names)}, **overrides)
        except ValueError as err:  # e.g. images too small for the convolution stages
            raise DataError(f"{what}: {size}x{size} images do not fit the {args.preset!r} LeNet: "
                            f"{err}") from None

        what = f"lenet-mnist ({args.eval_split} split)"
        require_columns(test, [args.image_column, args.label_column], f"{what} ({columns})")
        self.eval_images = decode_images(test, args.image_column, what, channels, size,
                                         expected_by=f"the model (sized on the {args.train_split} images)")
        self.eval_labels = decode_labels(test, args.label_column, what, len(names))
        self.train_images = images
        self.train_dataset = ImageTensorDataset(images, labels)
        self.collate_fn = collate_channels_last
        self.model = LeNetForImageClassification(self.config).to(memory_format=torch.channels_last)

    def train_dataloader(self, training_args, accelerator) -> DataLoader:
        """Every image once an epoch (the last batch may be smaller), in the order of `EpochPermutations`."""
        sampler = EpochPermutations(len(self.train_dataset), training_args.seed)
        # A generator of its own: each epoch's iterator draws its base seed from it, not from the global RNG
        # that dropout draws from.
        return DataLoader(self.train_dataset, batch_size=training_args.per_device_train_batch_size,
                          sampler=sampler, collate_fn=self.collate_fn,
                          generator=torch.Generator().manual_seed(training_args.seed))

    def create_optimizers(self, training_args) -> dict[str, torch.optim.Optimizer]:
        """AdamW with weight decay on every parameter (biases included), as the classifier was trained."""
        return {"model": torch.optim.AdamW(self.model.parameters(), lr=training_args.learning_rate,
                                           betas=(training_args.adam_beta1, training_args.adam_beta2),
                                           weight_decay=training_args.weight_decay)}

    def create_scheduler(self, name, optimizer, training_args, num_training_steps):
        return torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=training_args.learning_rate,
                                                   total_steps=num_training_steps,
                                                   pct_start=self.args.warmup_fraction)

    def compute_loss(self, model, batch) -> torch.Tensor:
        return model(pixel_values=batch["pixel_values"], labels=batch["labels"]).loss

    # --- evaluation -----------------------------------------------------------------------------------------

    def evaluate(self, run, final: bool = False) -> dict:
        """Loss and accuracy on the test split (each process scores a share, the sums are reduced); at the
        end, the reference metrics of real images."""
        accelerator = run.accelerator
        model, device = run.models["model"], accelerator.device
        mine = slice(accelerator.process_index, None, accelerator.num_processes)
        images, labels = self.eval_images[mine], self.eval_labels[mine]
        size = run.training_args.per_device_eval_batch_size
        loss_sum = torch.zeros((), device=device, dtype=torch.float64)
        correct = torch.zeros((), device=device, dtype=torch.long)
        for start in range(0, len(labels), size):
            batch = collate_channels_last({"pixel_values": images[start : start + size],
                                           "labels": labels[start : start + size]})
            x, y = batch["pixel_values"].to(device), batch["labels"].to(device)
            with accelerator.autocast():
                logits = model(pixel_values=x).logits
            loss_sum += F.cross_entropy(logits.float(), y, reduction="sum").double()
            correct += (logits.argmax(-1) == y).sum()
        loss_sum, correct = accelerator.reduce(loss_sum, "sum"), accelerator.reduce(correct, "sum")
        count = len(self.eval_labels)
        metrics = {"test_loss": loss_sum.item() / count, "test_accuracy": correct.item() / count}
        if final and self.args.reference_metrics and accelerator.is_main_process:  # others' are not logged
            metrics.update(self.reference_metrics(accelerator.unwrap_model(model)))
        return metrics

    def reference_metrics(self, classifier) -> dict:
        """What real images score under `classifier`, computed as `classicnets evaluate gan-mnist` does (the
        floor on up to 10,000 train vs test images, seed 0): the targets of a generator's numbers."""
        from ...evaluation.image_metrics import (
            classifier_inception_score,
            classifier_outputs,
            confident_share,
            lenet_fid_floor,
        )

        probs, _ = classifier_outputs(classifier, self.eval_images)
        score, _ = classifier_inception_score(probs, splits=min(10, len(probs)))
        floor = lenet_fid_floor(classifier, self.train_images, self.eval_images,
                                num_images=min(10000, len(self.eval_images)), seed=0)
        return {"lenet_fid_floor": floor, "real_inception_score": score,
                "real_confident_share": confident_share(probs, 0.9)}

    # --- the card -------------------------------------------------------------------------------------------

    def card_metrics(self, final: dict) -> dict:
        spec = {
            "test_accuracy": (f"accuracy ({len(self.eval_labels):,} test images)", "accuracy"),
            "test_loss": ("loss (cross entropy, nats)", "loss"),
            "lenet_fid_floor": ("LeNet-FID floor: train vs test images (this classifier)", "fid"),
            "real_inception_score": ("Inception score of the test images (this classifier)",
                                     "inception_score"),
            "real_confident_share": ("share of test images classified with p >= 0.9", "confident_share"),
        }
        return {key: {"value": final[key], "name": name, "type": kind}
                for key, (name, kind) in spec.items() if isinstance(final.get(key), (int, float))}

    def describe(self, run) -> str:
        args = self.args
        return "\n".join([
            super().describe(run),
            f"  data: {len(self.train_dataset):,} images {tuple(self.train_images.shape[1:])} from "
            f"{args.dataset_name} [{args.train_split}], {self.config.num_labels} classes; evaluation on "
            f"{len(self.eval_labels):,} [{args.eval_split}] images",
        ])
