"""The GAN sample-quality metrics, measured with a LeNet MNIST classifier: LeNet-FID against real images, the
classifier's Inception Score, confident share, digit shares (and label accuracy of a class-conditional GAN).

`gan_sample_metrics` and `mnist_reference` are what the gan-mnist recipe reports during training, and
`evaluate_gan_mnist` what `classicnets evaluate gan-mnist` (`classicnets.commands.evaluate`) prints, so the
numbers of a training run and of the command are computed the same way.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .image_metrics import (
    FeatureStats,
    class_distribution,
    classifier_inception_score,
    classifier_outputs,
    confident_share,
    feature_statistics,
    frechet_distance_from_stats,
    lenet_fid_floor,
)

# Also in classicnets.commands.evaluate, whose --help must not import torch.
DEFAULT_CLASSIFIER = "outputs/lenet-mnist"
CONFIDENCE = 0.9

def load_classifier(path: str | Path, device: torch.device | str = "cpu"):
    """A LeNetForImageClassification from a folder, in eval mode; a clear error if the folder is not one."""
    from ..models.lenet import LeNetForImageClassification

    path = Path(path)
    if not (path / "config.json").is_file():
        raise FileNotFoundError(
            f"No classifier at {path}: train the LeNet MNIST classifier there first with "
            f"`classicnets train lenet-mnist --output_dir {shlex.quote(str(path))}`."
        )
    return LeNetForImageClassification.from_pretrained(str(path)).to(device).eval()


def check_compatible(gan_config, classifier) -> None:
    c, s = classifier.config.num_channels, classifier.config.image_size
    if (gan_config.num_channels, gan_config.image_size) != (c, s):
        raise ValueError(
            f"The classifier takes {c}-channel {s}x{s} images but the GAN makes "
            f"{gan_config.num_channels}-channel {gan_config.image_size}x{gan_config.image_size} ones: use a "
            "classifier trained on the GAN's data."
        )


@dataclass
class RealReference:
    """What the real evaluation images score under a classifier: feature statistics and Inception Score."""

    stats: FeatureStats
    inception_score: float
    confident_share: float
    num_images: int


def mnist_reference(classifier, images, batch_size: int = 1000) -> RealReference:
    """Features and scores of real images (uint8 (N, H, W) / (N, C, H, W) or [0, 1] floats) under
    `classifier`."""
    probs, feats = classifier_outputs(classifier, images, batch_size)
    score, _ = classifier_inception_score(probs, splits=min(10, len(probs)))
    return RealReference(feature_statistics(feats), score, confident_share(probs, CONFIDENCE), len(probs))


@torch.no_grad()
def gan_sample_metrics(gan, classifier, real: RealReference | FeatureStats, num_images: int = 10000,
                       seed: int = 0, batch_size: int = 500) -> dict:
    """
    Generate `num_images` images from `gan` (seeded; the global RNG is untouched) and score them with
    `classifier` against `real`. A conditional GAN gets balanced labels (image i: label i mod num_classes) and
    `label_accuracy`; a self-conditioned one is sampled as a user would, drawing its clusters itself.

    Returns `lenet_fid`, `inception_score`, `inception_score_std`, `confident_share`, `class_shares` (list),
    `min_class_share`, `max_class_share`, `num_images` (and `label_accuracy`).
    """
    if num_images < 10:
        raise ValueError(f"num_images must be >= 10 (FID needs a covariance, IS ten splits), got "
                         f"{num_images}.")
    real_stats = real.stats if isinstance(real, RealReference) else real
    conditional = gan.config.takes_user_labels  # a self-conditioned GAN draws its own clusters, as users do
    labels = torch.arange(num_images) % gan.config.num_classes if conditional else None
    rng = torch.Generator().manual_seed(int(seed))
    probs, feats = [], []
    for start in range(0, num_images, batch_size):
        count = min(batch_size, num_images - start)
        batch_labels = labels[start : start + count] if conditional else None
        images = gan.generate(num_images=count, seed=rng, labels=batch_labels)
        p, f = classifier_outputs(classifier, images, batch_size)
        probs.append(p)
        feats.append(f)
    probs, feats = np.concatenate(probs), np.concatenate(feats)
    score, score_std = classifier_inception_score(probs, splits=10)
    shares = [float(s) for s in class_distribution(probs)]
    out = {
        "lenet_fid": frechet_distance_from_stats(feature_statistics(feats), real_stats),
        "inception_score": score,
        "inception_score_std": score_std,
        "confident_share": confident_share(probs, CONFIDENCE),
        "class_shares": shares,
        "min_class_share": min(shares),
        "max_class_share": max(shares),
        "num_images": int(num_images),
    }
    if conditional:
        out["label_accuracy"] = float((probs.argmax(axis=1) == labels.numpy()).mean())
    return out


def load_split_images(dataset: str, split: str, image_column: str = "image") -> torch.Tensor:
    """uint8 images (N, C, H, W) of one split of a Hub dataset (or local Hub-layout folder), decoded once."""
    from ..data import load_hub_dataset, require_columns
    from ..data.images import decode_images

    what = f"evaluate gan-mnist (split {split!r})"
    ds = load_hub_dataset(dataset, split=split)
    require_columns(ds, [image_column], what)
    return decode_images(ds, image_column, what)


def evaluate_gan_mnist(checkpoint: str | Path, classifier_dir: str | Path = DEFAULT_CLASSIFIER,
                       num_images: int = 10000, seed: int = 0, dataset: str = "ylecun/mnist",
                       batch_size: int = 500, floor: bool = True) -> dict:
    """All metrics of `classicnets evaluate gan-mnist` as one dict (see the command's --help)."""
    from ..models.registry import register_all

    register_all()  # the Auto classes know the families

    from ..models.gan import GANModel

    if not (Path(checkpoint) / "config.json").is_file():
        raise FileNotFoundError(f"No GAN checkpoint at {checkpoint}: expected a folder with config.json and "
                                "model.safetensors (the output_dir of `classicnets train gan-mnist`).")
    classifier = load_classifier(classifier_dir)  # a missing one is refused before the GAN is loaded
    gan = GANModel.from_pretrained(str(checkpoint)).eval()
    check_compatible(gan.config, classifier)
    test_images = load_split_images(dataset, "test")
    real = mnist_reference(classifier, test_images)
    results = {"checkpoint": str(checkpoint), "classifier": str(classifier_dir), "dataset": dataset,
               "seed": seed, "architecture": gan.config.architecture,
               "conditional": gan.config.takes_user_labels,
               "self_conditioned_clusters": gan.config.num_classes if gan.config.self_conditioned else None,
               "num_real_images": real.num_images}
    results.update(gan_sample_metrics(gan, classifier, real, num_images=num_images, seed=seed,
                                      batch_size=batch_size))
    results["real_inception_score"] = real.inception_score
    results["real_confident_share"] = real.confident_share
    if floor:
        train_images = load_split_images(dataset, "train")
        results["lenet_fid_floor"] = lenet_fid_floor(classifier, train_images, test_images,
                                                     num_images=min(10000, len(test_images)), seed=0)
        results["fid_over_floor"] = results["lenet_fid"] / max(results["lenet_fid_floor"], 1e-12)
    return results


def format_table(r: dict) -> str:
    kind = "class-conditional" if r.get("conditional") else "unconditional"
    if r.get("self_conditioned_clusters"):
        kind += f", self-conditioned on {r['self_conditioned_clusters']} clusters"
    lines = [
        f"GAN        {r['checkpoint']} ({r.get('architecture', '?')}, {kind})",
        f"classifier {r['classifier']}",
        f"images     {r['num_images']:,} generated (seed {r['seed']}) vs {r['num_real_images']:,} real test "
        "images",
        "",
        f"{'metric':<28}{'value':>10}   note",
        f"{'-' * 28}{'-' * 10}   {'-' * 36}",
    ]
    fid_note = ""
    if "lenet_fid_floor" in r:
        fid_note = f"{r['fid_over_floor']:.1f}x the floor"
    lines.append(f"{'LeNet-FID':<28}{r['lenet_fid']:>10.3f}   {fid_note}")
    if "lenet_fid_floor" in r:
        lines.append(f"{'LeNet-FID floor':<28}{r['lenet_fid_floor']:>10.3f}   10,000 train vs test images")
    lines.append(f"{'Inception score':<28}{r['inception_score']:>10.3f}   "
                 f"+- {r['inception_score_std']:.3f}; real test images {r['real_inception_score']:.3f}")
    lines.append(f"{'confident share (p >= 0.9)':<28}{r['confident_share']:>10.3f}   "
                 f"real test images {r['real_confident_share']:.3f}")
    if "label_accuracy" in r:
        lines.append(f"{'label accuracy':<28}{r['label_accuracy']:>10.3f}   "
                     "classifier agrees with the requested digit")
    lines.append(f"{'digit shares':<28}{'':>10}   "
                 f"min {r['min_class_share']:.1%}, max {r['max_class_share']:.1%}")
    lines.append("  " + "  ".join(f"{d}: {s:5.1%}" for d, s in enumerate(r["class_shares"])))
    return "\n".join(lines)


__all__ = ["CONFIDENCE", "DEFAULT_CLASSIFIER", "RealReference", "check_compatible", "evaluate_gan_mnist",
           "format_table", "gan_sample_metrics", "load_classifier", "load_split_images", "mnist_reference"]
