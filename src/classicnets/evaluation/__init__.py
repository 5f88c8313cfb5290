"""Evaluation of image generators: LeNet-FID, classifier Inception Score, class coverage; the LeNet trainer."""

from .image_metrics import (
    FeatureStats,
    as_image_tensor,
    class_distribution,
    classifier_feature_stats,
    classifier_inception_score,
    classifier_outputs,
    confident_share,
    evaluate_generator,
    feature_statistics,
    frechet_distance,
    frechet_distance_from_stats,
    lenet_fid_floor,
)

_TRAINING = ("classifier_accuracy", "load_mnist_arrays", "mnist_reference_metrics", "train_lenet")


def __getattr__(name: str):
    # Imported on first use: keeps `datasets` out of metric-only imports, and lets
    # `python -m classicnets.evaluation.mnist_classifier` run without a double-import warning.
    if name in _TRAINING:
        from . import mnist_classifier

        return getattr(mnist_classifier, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "FeatureStats",
    "as_image_tensor",
    "class_distribution",
    "classifier_accuracy",
    "classifier_feature_stats",
    "classifier_inception_score",
    "classifier_outputs",
    "confident_share",
    "evaluate_generator",
    "feature_statistics",
    "frechet_distance",
    "frechet_distance_from_stats",
    "lenet_fid_floor",
    "load_mnist_arrays",
    "mnist_reference_metrics",
    "train_lenet",
]
