"""gan-mnist: a GAN (mlp, DCGAN or class-conditional DCGAN) on MNIST, or any dataset of small images.

Each optimizer step is one discriminator step (real images against 1, or 1 - label_smoothing, generated images
against 0) and one generator step with the non-saturating loss, each network with its own Adam (DCGAN:
lr 2e-4, betas (0.5, 0.999)). The training images are decoded once into a uint8 tensor.

Engine options that do NOT apply here: --learning_rate, --weight_decay, --adam_beta1, --adam_beta2 (use --d_lr,
--g_lr, --beta1, --beta2) and --per_device_eval_batch_size. --lr_scheduler_type and --warmup_steps apply to both
optimisers (the engine's default is cosine decay over max_steps: pass --lr_scheduler_type constant for the
usual GAN set-up); --max_grad_norm clips each network separately (0 disables: DCGAN does not clip).

--self_condition_clusters K trains a self-conditioned GAN (Liu et al. 2020): k-means on the training images'
pixels gives every image a cluster id (the dataset's labels are not used), generator and discriminator are
conditioned on it as a class-conditional GAN is on digits, fake images get clusters drawn from their frequencies,
and the saved model draws its own clusters in generate(): to its users it is an unconditional GAN.

Evaluation (every --eval_steps, and at the end) generates images and scores them with a LeNet MNIST classifier
(--classifier, default outputs/lenet-mnist when present, made by `classicnets train lenet-mnist --output_dir
outputs/lenet-mnist`): LeNet-FID against the test split, classifier Inception Score, confident share, digit
shares; without a classifier only the D/G losses on held-out images are reported.
Fixed-noise sample grids go to <output_dir>/samples/step-XXXXX.png every --sample_every steps.

    classicnets train gan-mnist --preset dcgan --lr_scheduler_type constant --max_grad_norm 0 --max_time 20
    classicnets train gan-mnist examples/gan_mnist_conditional.yaml --output_dir outputs/gan-mnist-cond
    classicnets evaluate gan-mnist outputs/gan-mnist            # the same metrics on 10,000 images
"""

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import torch

from ...data import load_hub_dataset, require_columns
from ...data.images import ImageTensorDataset, collate_images, decode_images, decode_labels
from ...errors import DataError
from ...evaluation.image_metrics import LENET_FID_NAMES, LENET_FID_TYPES
from ...hub import CardSpec
from ...models.gan import (
    GANConfig,
    GANModel,
    discriminator_loss,
    discriminator_stats,
    generator_loss,
    save_image_grid,
)
from ...models.gan.configuration_gan import PRESETS
from ..arguments import check_types, require, require_seed
from ..recipe import Recipe

CARDS = Path(__file__).parent / "cards"
ARCHITECTURE_OPTIONS = ("num_classes", "generator_hidden_sizes", "discriminator_hidden_sizes",
                        "discriminator_batch_norm", "discriminator_minibatch_std")
# Engine options the two Adam optimisers do not read (they take --d_lr, --g_lr, --beta1, --beta2), each with
# its value when not set (the engine's default): a run that sets another value is warned; the card omits them.
IGNORED_TRAINING_OPTIONS = {"learning_rate": 2e-3, "weight_decay": 0.0, "adam_beta1": 0.9,
                            "adam_beta2": 0.999}


@dataclass
class GANMNISTArguments:
    preset: str = field(default="dcgan", metadata={"help": f"Architecture preset: {', '.join(PRESETS)}."})
    num_classes: int | None = field(default=None, metadata={
        "help": "Override the preset's num_classes (e.g. 10 makes any preset class-conditional)."})
    generator_hidden_sizes: list[int] | None = field(default=None, metadata={
        "help": "Override the preset's generator widths (dcgan: channels, coarsest first), e.g. 128 64."})
    discriminator_hidden_sizes: list[int] | None = field(default=None, metadata={
        "help": "Override the preset's discriminator widths (dcgan: channels, image side first), e.g. 64 128."})
    discriminator_batch_norm: bool | None = field(default=None, metadata={
        "help": "Override BatchNorm in the dcgan discriminator (default: as in the generator)."})
    discriminator_minibatch_std: bool | None = field(default=None, metadata={
        "help": "Append the minibatch standard deviation (ProGAN) as a feature of the discriminator."})
    self_condition_clusters: int = field(default=0, metadata={
        "help": "Self-conditioned GAN (Liu et al. 2020): cluster the training images into K groups with k-means "
                "(no labels used), condition both networks on the cluster, and let generate() draw clusters from "
                "their frequencies: still an unconditional model to its users. 0: off."})
    dataset_name: str = field(default="ylecun/mnist",
                              metadata={"help": "Hub id or local folder in Hub layout (see CLASSICNETS_DATA_MIRROR)."})
    image_column: str = field(default="image", metadata={"help": "Column holding the images (PIL or arrays)."})
    label_column: str = field(default="label", metadata={"help": "Column holding the class ids (conditional GANs)."})
    train_split: str = field(default="train", metadata={"help": "Split to train on."})
    eval_split: str = field(default="test", metadata={"help": "Real images for LeNet-FID and held-out D/G losses."})
    max_train_samples: int | None = field(default=None, metadata={"help": "Train on the first N images only."})
    cluster_seed: int = field(default=0, metadata={"help": "Seed of the k-means of --self_condition_clusters."})
    d_lr: float = field(default=2e-4, metadata={"help": "Discriminator Adam learning rate."})
    g_lr: float = field(default=2e-4, metadata={"help": "Generator Adam learning rate."})
    beta1: float = field(default=0.5, metadata={"help": "Adam beta1 of both optimisers (DCGAN: 0.5)."})
    beta2: float = field(default=0.999, metadata={"help": "Adam beta2 of both optimisers."})
    label_smoothing: float = field(default=0.0, metadata={
        "help": "One-sided label smoothing: real images are trained against 1 - label_smoothing (e.g. 0.1)."})
    sample_every: int = field(default=500, metadata={
        "help": "Write a fixed-noise sample grid to output_dir/samples/step-XXXXX.png every N steps "
                "(0: only at the end)."})
    sample_seed: int = field(default=0, metadata={"help": "Seed of the fixed noise of the sample grids."})
    classifier: str | None = field(default=None, metadata={
        "help": "LeNet MNIST classifier folder for LeNet-FID / Inception score (default: outputs/lenet-mnist if "
                "present, else those metrics are skipped); 'none' skips them."})
    eval_num_images: int = field(default=2000, metadata={
        "help": "Generated images scored at intermediate evaluations."})
    final_eval_num_images: int = field(default=10000, metadata={"help": "Generated images scored at the end."})
    eval_seed: int = field(default=0, metadata={"help": "Seed of the evaluation noise."})

    def __post_init__(self):
        check_types(self)
        require(self.preset in PRESETS, "preset", f"must be one of {', '.join(PRESETS)}", self.preset)
        require(self.num_classes is None or self.num_classes >= 2, "num_classes", "must be >= 2", self.num_classes)
        for name in ("generator_hidden_sizes", "discriminator_hidden_sizes"):
            sizes = getattr(self, name)
            require(sizes is None or (len(sizes) > 0 and min(sizes) >= 1), name, "must be widths >= 1", sizes)
        require(self.self_condition_clusters == 0 or self.self_condition_clusters >= 2, "self_condition_clusters",
                "must be 0 (off) or >= 2", self.self_condition_clusters)
        require(not (self.self_condition_clusters and (self.num_classes is not None
                                                        or PRESETS[self.preset].get("num_classes"))),
                "self_condition_clusters", "makes its own clusters: use an unconditional preset (e.g. dcgan) "
                "without --num_classes")
        require(self.max_train_samples is None or self.max_train_samples >= 1, "max_train_samples", "must be >= 1",
                self.max_train_samples)
        require(0.0 <= self.label_smoothing < 1.0, "label_smoothing", "must be in [0, 1)", self.label_smoothing)
        for name in ("d_lr", "g_lr"):
            require(getattr(self, name) > 0, name, "must be > 0", getattr(self, name))
        for name in ("beta1", "beta2"):
            require(0 <= getattr(self, name) < 1, name, "must be in [0, 1)", getattr(self, name))
        for name in ("eval_num_images", "final_eval_num_images"):
            require(getattr(self, name) >= 10, name, "must be >= 10", getattr(self, name))
        require(self.sample_every >= 0, "sample_every", "must be >= 0", self.sample_every,
                hint="0 writes sample grids only at the end")
        for name in ("cluster_seed", "sample_seed", "eval_seed"):
            require_seed(getattr(self, name), name)
        self._check_architecture()

    def _check_architecture(self) -> None:
        """The preset with the overrides must make a GAN (e.g. 'dcgan' halves 28 pixels at most twice): refused
        here, naming the option, rather than after the run has started."""
        overrides = {k: getattr(self, k) for k in ARCHITECTURE_OPTIONS if getattr(self, k) is not None}
        try:
            GANConfig.from_preset(self.preset, **overrides)
        except ValueError as err:
            named = [k for k in overrides if k in str(err)] or list(overrides) or ["preset"]
            require(False, named[0], f"does not fit the preset {self.preset}: {err}", getattr(self, named[0]))


class NoiseSource:
    """The recipe's RNG for noise and fake labels: its own stream on each process (the engine seeds every process
    alike, which would give all processes the same fakes), saved in checkpoints so that a resumed run draws on."""

    def __init__(self, seed: int):
        self.generator = torch.Generator().manual_seed(seed)

    def state_dict(self) -> dict:
        return {"generator": self.generator.get_state()}

    def load_state_dict(self, state: dict) -> None:
        self.generator.set_state(state["generator"])


def kmeans(points: torch.Tensor, k: int, iterations: int = 30, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Lloyd's k-means with k-means++ seeding: (N, D) points -> cluster ids (N,) and centres (k, D).

    Seeded by its own generator (the global RNG is untouched), so every process finds the same clusters."""
    if not 2 <= k <= len(points):
        raise ValueError(f"k-means needs 2 <= k <= {len(points)} (the number of images), got k={k}.")
    rng = torch.Generator().manual_seed(seed)
    centres = points[torch.randint(len(points), (1,), generator=rng)]
    nearest = torch.cdist(points, centres).squeeze(1) ** 2  # (N,) squared distance to the nearest centre so far
    for _ in range(k - 1):  # k-means++: the next centre is drawn with probability ~ squared distance
        pick = torch.multinomial(nearest.double() + 1e-12, 1, generator=rng)
        centres = torch.cat([centres, points[pick]])
        nearest = torch.minimum(nearest, (torch.cdist(points, points[pick]).squeeze(1)) ** 2)
    for _ in range(iterations):
        ids = nearest_centre(points, centres)
        sums = torch.zeros_like(centres).index_add_(0, ids, points)
        counts = torch.bincount(ids, minlength=k).unsqueeze(1)
        centres = torch.where(counts > 0, sums / counts.clamp(min=1), centres)  # an empty cluster keeps its centre
    return nearest_centre(points, centres), centres


def cluster_purity(clusters: torch.Tensor, classes: torch.Tensor) -> float:
    """Share of points whose class is their cluster's most common class (1.0: every cluster holds one class)."""
    majority = sum(int(torch.bincount(classes[clusters == c]).max()) for c in clusters.unique())
    return majority / len(classes)


def nearest_centre(points: torch.Tensor, centres: torch.Tensor, chunk: int = 8192) -> torch.Tensor:
    """(N, D), (k, D) -> (N,) id of each point's nearest centre."""
    return torch.cat([torch.cdist(points[i : i + chunk], centres).argmin(1) for i in range(0, len(points), chunk)])


class GANMNISTRecipe(Recipe):
    name = "gan-mnist"
    arguments_class = GANMNISTArguments
    card = CardSpec(
        template=CARDS / "gan-mnist.md", pipeline_tag="unconditional-image-generation",
        task_name="Unconditional Image Generation", dataset_id="ylecun/mnist", dataset_name="MNIST",
        dataset_split="test", auto_class="AutoModel", tags=("gan", "dcgan", "image-generation", "mnist"),
        unused_hyperparameters=tuple(IGNORED_TRAINING_OPTIONS),  # the engine's options did nothing
        metric_names=LENET_FID_NAMES, metric_types=LENET_FID_TYPES,
        architecture_keys=("architecture", "latent_dim", "image_size", "num_channels",
                           "generator_hidden_sizes", "discriminator_hidden_sizes", "num_classes",
                           "self_conditioned", "output_activation", "use_batch_norm",
                           "discriminator_minibatch_std"),
    )
    ema_models = ("generator",)  # --ema_decay averages the generator (the usual GAN EMA)

    # --- data and models -------------------------------------------------------------------------------------

    def build(self, accelerator) -> None:
        args = self.args
        overrides = {k: getattr(args, k) for k in ARCHITECTURE_OPTIONS if getattr(args, k) is not None}
        self.config = GANConfig.from_preset(args.preset, **overrides)
        splits = load_hub_dataset(args.dataset_name)
        if args.train_split not in splits:
            raise DataError(f"The dataset has splits {list(splits)} but no {args.train_split!r} (--train_split).")
        train = splits[args.train_split]
        if args.max_train_samples:
            train = train.select(range(min(args.max_train_samples, len(train))))
        images, labels = self._decode(train, f"gan-mnist ({args.train_split} split)")
        eval_split = splits.get(args.eval_split)
        if eval_split is not None:
            eval_images, eval_labels = self._decode(eval_split, f"gan-mnist ({args.eval_split} split)")
        else:
            eval_images, eval_labels = images, labels
        if args.self_condition_clusters:  # the labels become cluster ids, found without the dataset's labels
            k = args.self_condition_clusters
            dataset_labels = labels
            labels, centres = kmeans(images.flatten(1).float() / 255, k, seed=args.cluster_seed)
            eval_labels = nearest_centre(eval_images.flatten(1).float() / 255, centres)
            sizes = torch.bincount(labels, minlength=k)
            self.config = GANConfig.from_preset(args.preset, **overrides, num_classes=k, label_prior=sizes.tolist(),
                                                self_conditioned=True)
            self.cluster_summary = (f"{k} k-means clusters of the training images (no labels), "
                                    f"{int(sizes.min()):,}-{int(sizes.max()):,} images each")
            if dataset_labels.min() >= 0:  # a diagnostic only: how well the clusters match the dataset's classes
                self.cluster_summary += ("; purity against the dataset's labels "
                                         f"{cluster_purity(labels, dataset_labels):.3f}")
        self.gan = GANModel(self.config)
        self.make_noise_source(accelerator)
        self.train_dataset = ImageTensorDataset(images, labels)
        self.collate_fn = collate_images
        self.train_images = images
        self.eval_images, self.eval_labels = eval_images, eval_labels
        self.notes = [] if eval_split is not None else [
            f"no {args.eval_split!r} split: held-out losses and LeNet-FID use training images"]
        self.classifier, self.reference = self._load_classifier()
        # Fixed noise (and labels) of the sample grids: conditional grids show one digit a column.
        if self.config.takes_user_labels:
            k = self.config.num_classes
            self.grid_labels, self.grid_nrow = torch.arange(k * min(k, 10)) % k, k
        else:
            self.grid_labels, self.grid_nrow = None, 8
        self.grid_size = len(self.grid_labels) if self.grid_labels is not None else 64

    def make_noise_source(self, accelerator) -> None:
        """Seeded from the engine's seed (already set) and the process index; carried by the checkpoints."""
        rank = accelerator.process_index if accelerator is not None else 0
        self.noise = NoiseSource(torch.initial_seed() + 1_000_003 * (rank + 1))
        self.register_state("noise", self.noise)

    def _decode(self, split, what: str) -> tuple[torch.Tensor, torch.Tensor]:
        args, config = self.args, self.config
        require_columns(split, [args.image_column], f"{what} (--image_column {args.image_column})")
        images = decode_images(split, args.image_column, what, config.num_channels, config.image_size,
                               expected_by="the preset")
        if config.num_classes is not None:
            require_columns(split, [args.label_column],
                            f"{what}: a class-conditional GAN (--label_column {args.label_column})")
        if args.label_column in split.column_names:
            labels = decode_labels(split, args.label_column, what, config.num_classes)
        else:
            labels = torch.full((images.shape[0],), -1, dtype=torch.long)
        return images, labels

    def _load_classifier(self):
        from ...evaluation.gan_metrics import (
            DEFAULT_CLASSIFIER,
            check_compatible,
            load_classifier,
            mnist_reference,
        )

        spec = self.args.classifier
        if spec is not None and spec.lower() == "none":
            self.notes.append("--classifier none: LeNet-FID / Inception score skipped, only D/G losses reported")
            return None, None
        path = Path(spec or DEFAULT_CLASSIFIER)
        if not (path / "config.json").is_file():
            if spec is not None:  # asked for explicitly: fail now, not after training
                load_classifier(path)
            self.notes.append(f"no classifier at {path} (train one with `classicnets train lenet-mnist "
                              f"--output_dir {path}`): LeNet-FID / Inception score skipped, only D/G losses "
                              "reported")
            return None, None
        classifier = load_classifier(path)
        try:
            check_compatible(self.config, classifier)
        except ValueError as err:
            self.notes.append(f"classifier {path} not used: {err}")
            return None, None
        self.classifier_path = str(path)
        return classifier, mnist_reference(classifier, self.eval_images)

    def models(self) -> dict:
        return {"generator": self.gan.generator, "discriminator": self.gan.discriminator}

    def create_optimizers(self, training_args) -> dict:
        args = self.args
        ignored = [f"--{name}" for name, unset in IGNORED_TRAINING_OPTIONS.items()
                   if getattr(training_args, name) != unset]
        if ignored:
            warnings.warn(f"gan-mnist ignores {', '.join(ignored)}: its two Adam optimisers use --d_lr, --g_lr, "
                          "--beta1, --beta2.", stacklevel=2)
        betas = (args.beta1, args.beta2)
        return {"generator": torch.optim.Adam(self.gan.generator.parameters(), lr=args.g_lr, betas=betas),
                "discriminator": torch.optim.Adam(self.gan.discriminator.parameters(), lr=args.d_lr, betas=betas)}

    # --- one step ---------------------------------------------------------------------------------------------

    def training_step(self, run, batch) -> dict:
        generator, discriminator = run.models["generator"], run.models["discriminator"]
        # The discriminator's own module (without the DDP wrapper) for the passes that must not take part in
        # DDP's gradient synchronisation: the second D-step pass (its gradients reach the parameters in the same
        # backward as the wrapped pass, which DDP reduces once) and the generator step (no D gradients at all).
        if getattr(self, "_wrapped_discriminator", None) is not discriminator:  # unwrap once, not every step
            self._wrapped_discriminator = discriminator
            self._d_module = run.accelerator.unwrap_model(discriminator)
        d_module = self._d_module
        real = batch["pixel_values"]
        n, device = real.shape[0], real.device
        real_labels = fake_labels = None
        if self.config.num_classes is not None:
            real_labels = batch["labels"]
            fake_labels = self.gan.sample_labels(n, self.noise.generator).to(device)  # uniform, or the cluster prior
        noise = torch.randn(n, self.config.latent_dim, generator=self.noise.generator).to(device)
        fake = generator(noise, fake_labels)  # one generator forward, used by both steps

        # Discriminator step: real vs detached fake.
        real_logits = discriminator(real, real_labels)
        with run.autocast():
            fake_logits = d_module(fake.detach(), fake_labels)
        d_loss = discriminator_loss(real_logits, fake_logits, self.args.label_smoothing)
        run.optimize(d_loss, "discriminator")

        # Generator step, non-saturating loss. The discriminator's parameters are frozen so that they neither
        # get gradients from this loss (which would mix into accumulated D gradients) nor cost their backward.
        params = [p for p in d_module.parameters() if p.requires_grad]
        for p in params:
            p.requires_grad_(False)
        try:
            with run.autocast():
                g_logits = d_module(fake, fake_labels)
            g_loss = generator_loss(g_logits)
            run.optimize(g_loss, "generator")
        finally:
            for p in params:
                p.requires_grad_(True)

        logs = {"d_loss": d_loss.detach().float().item(), "g_loss": g_loss.detach().float().item()}
        logs.update(discriminator_stats(real_logits, fake_logits))
        step = run.step + 1  # the step this call completes (when gradients are synchronised)
        if (self.args.sample_every and run.accelerator.sync_gradients and step % self.args.sample_every == 0
                and run.accelerator.is_main_process):
            with run.averaged_weights():  # what would be saved now (the EMA generator with --ema_decay)
                self.write_samples(Path(run.training_args.output_dir) / "samples" / f"step-{step:05d}.png")
        return logs

    # --- evaluation and saving -------------------------------------------------------------------------------

    def sample_grid(self) -> torch.Tensor:
        return self.gan.generate(num_images=self.grid_size, seed=self.args.sample_seed, labels=self.grid_labels)

    def write_samples(self, path: Path) -> None:
        save_image_grid(self.sample_grid(), path, nrow=self.grid_nrow, scale=2)

    def evaluate(self, run, final: bool = False) -> dict:
        accelerator = run.accelerator
        metrics = self._heldout_losses(accelerator)
        if self.classifier is not None and accelerator.is_main_process:  # the others' results are never logged
            from ...evaluation.gan_metrics import gan_sample_metrics
            from ...evaluation.image_metrics import lenet_fid_floor

            self.classifier.to(accelerator.device)
            num = self.args.final_eval_num_images if final else self.args.eval_num_images
            result = gan_sample_metrics(self.gan, self.classifier, self.reference, num_images=num,
                                        seed=self.args.eval_seed)
            shares = result.pop("class_shares")
            metrics.update(result)
            metrics.update({f"digit_{k}": s for k, s in enumerate(shares)})
            if final:
                metrics["real_inception_score"] = self.reference.inception_score
                metrics["lenet_fid_floor"] = lenet_fid_floor(self.classifier, self.train_images, self.eval_images,
                                                             num_images=10000, seed=0)
        if final:
            for note in self.notes:
                run.print(f"Note: {note}.")
            if accelerator.is_main_process:
                samples = Path(run.training_args.output_dir) / "samples"
                self.write_samples(samples / f"step-{run.step:05d}.png")
        return metrics

    def _heldout_losses(self, accelerator, count: int = 1000) -> dict:
        """D/G losses and D outputs on up to `count` held-out real images and as many fixed-noise fakes (eval mode)."""
        rng = torch.Generator().manual_seed(self.args.eval_seed + 1)
        real = (self.eval_images[:count].float() / 255).to(accelerator.device)
        n = real.shape[0]
        labels = None
        if self.config.num_classes is not None:
            labels = self.eval_labels[:n].to(accelerator.device)
        fake_labels = self.gan.sample_labels(n, rng)
        fake = self.gan.generate(num_images=n, seed=rng, labels=fake_labels)
        discriminator = self.gan.discriminator
        with accelerator.autocast():
            real_logits = discriminator(real, labels)
            fake_logits = discriminator(fake, None if fake_labels is None else fake_labels.to(accelerator.device))
        stats = discriminator_stats(real_logits, fake_logits)
        return {"d_loss": discriminator_loss(real_logits, fake_logits).item(),
                "g_loss": generator_loss(fake_logits).item(), "d_real": stats["d_real"], "d_fake": stats["d_fake"]}

    def save_pretrained(self, models, output_dir: Path) -> None:
        self.gan.generator, self.gan.discriminator = models["generator"], models["discriminator"]
        self.gan.save_pretrained(output_dir)
        self.write_samples(output_dir / "samples.png")

    def card_metrics(self, final: dict) -> dict:
        n = final.get("num_images")
        spec = {
            "lenet_fid": ("LeNet-FID vs the test images ({n:,} samples; lower is better)", "fid"),
            "lenet_fid_floor": ("LeNet-FID floor: train vs test images (same classifier)", "fid"),
            "inception_score": ("Inception score with the LeNet classifier ({n:,} samples)", "inception_score"),
            "confident_share": ("share of samples classified with p >= 0.9", "confident_share"),
            "label_accuracy": ("share of samples classified as the requested digit", "accuracy"),
            "min_class_share": ("smallest digit share", "min_class_share"),
            "max_class_share": ("largest digit share", "max_class_share"),
            "d_loss": ("discriminator loss on held-out images", "loss"),
            "g_loss": ("generator loss (non-saturating)", "loss"),
        }
        return {key: {"value": final[key], "name": name.format(n=n or 0), "type": kind}
                for key, (name, kind) in spec.items() if isinstance(final.get(key), (int, float))}

    def card_extras(self, output_dir: Path) -> dict:
        return {"sample_image": output_dir / "samples.png"} if (output_dir / "samples.png").exists() else {}

    def plot(self, records: list[dict], output_dir: Path) -> None:
        from ..metrics import plot_curves

        plot_curves(records, output_dir / "loss_curve.png", keys=["d_loss", "g_loss"],
                    title="gan-mnist: D and G losses")
        plot_curves(records, output_dir / "discriminator_outputs.png", keys=["d_real", "d_fake"],
                    title="gan-mnist: mean D(x) and D(G(z))")
        plot_curves([r for r in records if r["kind"] == "eval"], output_dir / "lenet_fid.png", keys=["lenet_fid"],
                    title="gan-mnist: LeNet-FID (lower is better)")

    def describe(self, run) -> str:
        args = self.args
        lines = [super().describe(run),
                 f"  data: {len(self.train_dataset):,} images {tuple(self.train_images.shape[1:])} from "
                 f"{args.dataset_name} [{args.train_split}]",
                 *([f"  self-conditioned: {self.cluster_summary}"] if self.config.self_conditioned else []),
                 f"  Adam: D lr {args.d_lr}, G lr {args.g_lr}, betas ({args.beta1}, {args.beta2}); "
                 f"label smoothing {args.label_smoothing}; scheduler {run.training_args.lr_scheduler_type}",
                 "  evaluation: " + (f"classifier {self.classifier_path}, {args.eval_num_images:,} images "
                                      f"({args.final_eval_num_images:,} at the end)" if self.classifier is not None
                                      else "D/G losses only")]
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)
