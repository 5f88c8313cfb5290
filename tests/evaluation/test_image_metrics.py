import numpy as np
import pytest
import torch

from classicnets import GANConfig, GANModel, LeNetConfig, LeNetForImageClassification
from classicnets.evaluation import (
    class_distribution,
    classifier_feature_stats,
    classifier_inception_score,
    confident_share,
    evaluate_generator,
    frechet_distance,
    lenet_fid_floor,
)


def test_fid_of_identical_sets_is_zero():
    feats = np.random.default_rng(0).normal(size=(500, 16))
    assert frechet_distance(feats, feats) == pytest.approx(0.0, abs=1e-8)
    assert frechet_distance(torch.from_numpy(feats), feats) == pytest.approx(0.0, abs=1e-8)


def test_fid_of_gaussians_matches_the_analytic_value():
    rng = np.random.default_rng(0)
    d = 4
    a = rng.normal(size=(4000, d))
    b = rng.normal(size=(4000, d))
    # whiten exactly so that the sample statistics are the population ones
    def exact(x, mu, cov):
        x = x - x.mean(0)
        x = x @ np.linalg.inv(np.linalg.cholesky(np.cov(x, rowvar=False))).T
        return x @ np.linalg.cholesky(cov).T + mu

    mu1, mu2 = np.zeros(d), np.array([1.0, -2.0, 0.5, 0.0])
    cov1, cov2 = np.diag([1.0, 2.0, 0.5, 1.0]), np.diag([4.0, 2.0, 2.0, 1.0])
    # diagonal: sqrt is elementwise
    expected = ((mu1 - mu2) ** 2).sum() + np.trace(cov1 + cov2 - 2 * np.sqrt(cov1 @ cov2))
    assert frechet_distance(exact(a, mu1, cov1), exact(b, mu2, cov2)) == pytest.approx(expected, rel=1e-6)
    # pure shift, same covariance: ||mu1 - mu2||^2
    assert frechet_distance(exact(a, mu1, cov1), exact(b, mu2, cov1)) == pytest.approx(5.25, rel=1e-6)


def test_fid_is_stable_on_singular_covariances():
    rng = np.random.default_rng(1)
    low_rank = rng.normal(size=(300, 3)) @ rng.normal(size=(3, 20))  # rank 3 in 20-D
    value = frechet_distance(low_rank, low_rank + 1.0)
    assert np.isfinite(value) and value == pytest.approx(20.0, rel=1e-4)


def test_inception_score_bounds():
    k = 10
    one_hot_uniform = np.eye(k)[np.arange(1000) % k]
    assert classifier_inception_score(one_hot_uniform, splits=10)[0] == pytest.approx(k, rel=1e-9)
    constant = np.tile(np.random.default_rng(0).dirichlet(np.ones(k)), (1000, 1))
    assert classifier_inception_score(constant, splits=5)[0] == pytest.approx(1.0, abs=1e-9)
    with pytest.raises(ValueError, match="softmax"):
        classifier_inception_score(np.random.default_rng(0).normal(size=(20, k)))
    with pytest.raises(ValueError, match="splits"):
        classifier_inception_score(one_hot_uniform[:5], splits=10)


def test_confident_share_and_class_distribution():
    probs = np.array([[0.95, 0.05], [0.5, 0.5], [0.05, 0.95], [0.2, 0.8]])
    assert confident_share(probs, 0.9) == 0.5
    np.testing.assert_allclose(class_distribution(probs), [0.5, 0.5])  # argmax ties go to the first class


def test_evaluate_generator_and_fid_floor_end_to_end():
    torch.manual_seed(0)
    classifier = LeNetForImageClassification(LeNetConfig.from_preset("tiny"))
    gan = GANModel(GANConfig.from_preset("tiny"))
    real = torch.randint(0, 256, (64, 28, 28), dtype=torch.uint8)
    state = torch.get_rng_state()
    result = evaluate_generator(gan, classifier, real, num_images=40, batch_size=16, seed=0, splits=2)
    assert torch.equal(torch.get_rng_state(), state)
    assert set(result) >= {"lenet_fid", "inception_score", "confident_share", "class_shares"}
    assert result["lenet_fid"] > 0 and 1.0 <= result["inception_score"] <= 10.0
    assert len(result["class_shares"]) == 10 and sum(result["class_shares"]) == pytest.approx(1.0)
    again = evaluate_generator(gan, classifier, classifier_feature_stats(classifier, real), num_images=40,
                               batch_size=40, seed=0, splits=2)
    assert again["lenet_fid"] == pytest.approx(result["lenet_fid"], rel=1e-5)
    assert lenet_fid_floor(classifier, real[:32], real[32:], num_images=None) >= 0.0
