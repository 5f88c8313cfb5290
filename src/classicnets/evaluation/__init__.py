"""Evaluation of image generators: LeNet-FID, classifier Inception Score, class coverage."""

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

__all__ = [
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
