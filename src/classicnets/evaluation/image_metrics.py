"""Sample-quality metrics for image generators, measured with a small classifier (LeNet on MNIST).

* LeNet-FID: the Frechet distance (Heusel et al. 2017) between Gaussians fitted to the classifier's penultimate
  features of generated and of real images. The Inception network of the original FID is replaced by a LeNet
  trained on MNIST, so the numbers are comparable only with other LeNet-FIDs from the *same* classifier; the
  FID between two real sets (`lenet_fid_floor`) is the best a generator can hope for.
* Classifier Inception Score (Salimans et al. 2016): `exp(E_x KL(p(y|x) || p(y)))`, between 1 (every image gets
  the same prediction) and the number of classes (confident predictions spread uniformly over all classes).
* Confident share and class distribution: how many samples the classifier recognises with confidence, and how
  they spread over the classes (mode collapse shows as missing classes).

Everything is float64 numpy on the CPU; only the classifier and generator run on their own device.
"""

from dataclasses import dataclass

import numpy as np
import torch


@dataclass
class FeatureStats:
    """Mean (D,) and covariance (D, D) of a feature set, and how many samples gave them."""

    mu: np.ndarray
    sigma: np.ndarray
    num_samples: int


# How model cards show LeNet-FID: the Hub reads the model-index type "fid" as the Inception-v3 FID of the
# literature, and a FID on LeNet features is another number, never comparable with it.
LENET_FID_NAMES = {"lenet_fid": "LeNet-FID", "lenet_fid_floor": "LeNet-FID floor"}
LENET_FID_TYPES = {"lenet_fid": "lenet_fid", "lenet_fid_floor": "lenet_fid"}


def _as_numpy_2d(x, name: str) -> np.ndarray:
    if torch.is_tensor(x):
        x = x.detach().cpu().double().numpy()
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"{name} must be 2-D (num_samples, dim); got shape {x.shape}.")
    if not np.isfinite(x).all():
        raise ValueError(f"{name} contains NaN or infinite values.")
    return x


def feature_statistics(features) -> FeatureStats:
    """Mean and (unbiased, N-1) covariance of features (N, D), N >= 2."""
    feats = _as_numpy_2d(features, "features")
    if feats.shape[0] < 2:
        raise ValueError(f"A covariance needs at least 2 samples, got {feats.shape[0]}.")
    return FeatureStats(feats.mean(axis=0), np.cov(feats, rowvar=False).reshape(feats.shape[1], -1), feats.shape[0])


def _sqrtm_psd(matrix: np.ndarray) -> np.ndarray:
    """Square root of a symmetric positive semi-definite matrix by eigendecomposition (tiny negatives clipped)."""
    w, v = np.linalg.eigh((matrix + matrix.T) / 2)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def frechet_distance_from_stats(a: FeatureStats, b: FeatureStats) -> float:
    """
    `||mu_a - mu_b||^2 + tr(S_a) + tr(S_b) - 2 tr((S_a S_b)^(1/2))`.

    `tr((S_a S_b)^(1/2))` is computed as the sum of square roots of the eigenvalues of the *symmetric* PSD matrix
    `S_a^(1/2) S_b S_a^(1/2)`, which has the same eigenvalues as `S_a S_b`: two `eigh` calls, no scipy, and none
    of the complex parts `scipy.linalg.sqrtm` produces on near-singular covariances. Clamped at 0.
    """
    if a.mu.shape != b.mu.shape:
        raise ValueError(f"The two feature sets have different dimensions: {a.mu.shape[0]} and {b.mu.shape[0]}.")
    root_a = _sqrtm_psd(a.sigma)
    middle = root_a @ b.sigma @ root_a
    eigenvalues = np.linalg.eigvalsh((middle + middle.T) / 2)
    trace_sqrt = np.sqrt(np.clip(eigenvalues, 0, None)).sum()
    diff = a.mu - b.mu
    value = diff @ diff + np.trace(a.sigma) + np.trace(b.sigma) - 2 * trace_sqrt
    return float(max(value, 0.0))


def frechet_distance(feats_a, feats_b) -> float:
    """Frechet distance between Gaussians fitted to two feature sets (N_a, D) and (N_b, D) (tensors or arrays)."""
    return frechet_distance_from_stats(feature_statistics(feats_a), feature_statistics(feats_b))


def _as_probs(probs) -> np.ndarray:
    p = _as_numpy_2d(probs, "probs")
    if (p < -1e-6).any() or not np.allclose(p.sum(axis=1), 1.0, atol=1e-3):
        raise ValueError(
            "probs must be class probabilities (non-negative rows summing to 1): these look like logits; "
            "apply softmax first."
        )
    return np.clip(p, 0.0, 1.0)


def classifier_inception_score(probs, splits: int = 10) -> tuple[float, float]:
    """
    Inception Score `exp(E_x KL(p(y|x) || p(y)))` of class probabilities (N, K), averaged over `splits` equal
    parts (the marginal `p(y)` is taken per part, as in Salimans et al.). Returns `(mean, std)` over the parts;
    the score lies in `[1, K]`.
    """
    p = _as_probs(probs)
    if splits < 1 or splits > p.shape[0]:
        raise ValueError(f"splits must be between 1 and the number of samples ({p.shape[0]}), got {splits}.")
    scores = []
    for part in np.array_split(p, splits):
        marginal = part.mean(axis=0, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            kl = np.where(part > 0, part * (np.log(part) - np.log(marginal)), 0.0).sum(axis=1)
        scores.append(np.exp(kl.mean()))
    return float(np.mean(scores)), float(np.std(scores))


def confident_share(probs, threshold: float = 0.9) -> float:
    """Share of samples whose top class probability is at least `threshold`."""
    p = _as_probs(probs)
    return float((p.max(axis=1) >= threshold).mean())


def class_distribution(probs) -> np.ndarray:
    """Share of samples predicted (argmax) as each class: (K,) summing to 1."""
    p = _as_probs(probs)
    return np.bincount(p.argmax(axis=1), minlength=p.shape[1]) / p.shape[0]


# --- with a classifier ------------------------------------------------------------------------------------------


def as_image_tensor(images, num_channels: int = 1) -> torch.Tensor:
    """uint8 (N, H, W) / (N, C, H, W) arrays in [0, 255], or float tensors in [0, 1] -> float32 (N, C, H, W)."""
    x = torch.as_tensor(images)
    if x.dim() == 3:
        x = x.unsqueeze(1)
    if x.dim() != 4 or x.shape[1] != num_channels:
        raise ValueError(f"images must be (N, H, W) or (N, {num_channels}, H, W); got {tuple(x.shape)}.")
    return x.float() / 255 if x.dtype == torch.uint8 else x.float()


@torch.no_grad()
def classifier_outputs(classifier, images, batch_size: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """Class probabilities (N, K) and penultimate features (N, F) of `images` under `classifier` (eval mode)."""
    images = as_image_tensor(images, getattr(classifier.config, "num_channels", 1))
    device = next(classifier.parameters()).device
    was_training = classifier.training
    classifier.eval()
    probs, feats = [], []
    try:
        for start in range(0, images.shape[0], batch_size):
            batch = images[start : start + batch_size].to(device)
            out = classifier(pixel_values=batch)
            features = out.features if getattr(out, "features", None) is not None else classifier.features(batch)
            probs.append(torch.softmax(out.logits.float(), dim=-1).double().cpu())
            feats.append(features.float().double().cpu())
    finally:
        classifier.train(was_training)
    return torch.cat(probs).numpy(), torch.cat(feats).numpy()


def classifier_feature_stats(classifier, images, batch_size: int = 1000) -> FeatureStats:
    """Feature statistics of real images, to compute once and pass to [`evaluate_generator`] as `real_images`."""
    return feature_statistics(classifier_outputs(classifier, images, batch_size)[1])


def _subsample(images, num_images: int | None, rng: np.random.Generator):
    n = len(images)
    if num_images is None or num_images >= n:
        return images
    return images[np.sort(rng.choice(n, num_images, replace=False))]


def lenet_fid_floor(
    classifier, train_images, test_images, num_images: int | None = 10000, batch_size: int = 1000, seed: int = 0
) -> float:
    """
    LeNet-FID between two sets of *real* images (e.g. MNIST train vs test, 10,000 each): the score of a perfect
    generator evaluated against a held-out set. Sets larger than `num_images` are subsampled (seeded).
    """
    rng = np.random.default_rng(seed)
    feats_a = classifier_outputs(classifier, _subsample(train_images, num_images, rng), batch_size)[1]
    feats_b = classifier_outputs(classifier, _subsample(test_images, num_images, rng), batch_size)[1]
    return frechet_distance(feats_a, feats_b)


def evaluate_generator(
    gan_model,
    classifier,
    real_images,
    num_images: int = 10000,
    batch_size: int = 500,
    seed: int = 0,
    labels=None,
    splits: int = 10,
    confidence_threshold: float = 0.9,
) -> dict:
    """
    Sample `num_images` images from `gan_model.generate` (seeded; the global RNG is untouched) and score them with
    `classifier`. `real_images`: real images (uint8 or [0, 1] floats) or their precomputed [`FeatureStats`]
    (see [`classifier_feature_stats`]; saves a pass over the real set at every evaluation).

    Returns a dict: `lenet_fid`, `inception_score`, `inception_score_std`, `confident_share`, `class_shares`
    (list of K floats), `num_images`.
    """
    if num_images < 2:
        raise ValueError(f"num_images must be >= 2 (FID needs a covariance), got {num_images}.")
    real_stats = (
        real_images if isinstance(real_images, FeatureStats) else classifier_feature_stats(classifier, real_images)
    )
    rng = torch.Generator().manual_seed(int(seed))
    probs, feats = [], []
    for start in range(0, num_images, batch_size):
        count = min(batch_size, num_images - start)
        batch_labels = None if labels is None else torch.as_tensor(labels).expand(num_images)[start : start + count]
        images = gan_model.generate(num_images=count, seed=rng, labels=batch_labels)
        p, f = classifier_outputs(classifier, images, batch_size)
        probs.append(p)
        feats.append(f)
    probs, feats = np.concatenate(probs), np.concatenate(feats)
    score, score_std = classifier_inception_score(probs, splits=min(splits, num_images))
    return {
        "lenet_fid": frechet_distance_from_stats(feature_statistics(feats), real_stats),
        "inception_score": score,
        "inception_score_std": score_std,
        "confident_share": confident_share(probs, confidence_threshold),
        "class_shares": [float(s) for s in class_distribution(probs)],
        "num_images": int(num_images),
    }


__all__ = [
    "LENET_FID_NAMES",
    "LENET_FID_TYPES",
    "FeatureStats",
    "as_image_tensor",
    "class_distribution",
    "classifier_feature_stats",
    "classifier_inception_score",
    "classifier_outputs",
    "confident_share",
    "evaluate_generator",
    "feature_statistics",
    "frechet_distance",
    "frechet_distance_from_stats",
    "lenet_fid_floor",
]
