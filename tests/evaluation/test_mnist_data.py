import numpy as np
import pytest

from classicnets.evaluation import as_image_tensor, classifier_accuracy, load_mnist_arrays


@pytest.fixture(scope="module")
def mnist_test(shared_data):
    return load_mnist_arrays("test")


@pytest.mark.data
def test_mnist_decodes_once_into_uint8_arrays(mnist_test):
    images, labels = mnist_test
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (10000,) and set(np.unique(labels)) == set(range(10))
    x = as_image_tensor(images[:8])
    assert x.shape == (8, 1, 28, 28) and float(x.min()) >= 0.0 and float(x.max()) <= 1.0


@pytest.mark.data
def test_tiny_training_run_on_real_mnist(mnist_test, tmp_path):
    from classicnets import LeNetConfig, LeNetForImageClassification
    from classicnets.evaluation import train_lenet

    images, labels = mnist_test
    model, results = train_lenet(
        tmp_path, epochs=2, batch_size=64, learning_rate=1e-2, config=LeNetConfig.from_preset("tiny"),
        log_every=0, train_data=(images[:2048], labels[:2048]), test_data=(images[-500:], labels[-500:]),
    )
    assert results["test_accuracy"] > 0.5  # 64 steps of a tiny net: far above chance (0.1)
    reloaded = LeNetForImageClassification.from_pretrained(tmp_path)
    assert classifier_accuracy(reloaded, images[-500:], labels[-500:]) == pytest.approx(results["test_accuracy"])
    assert (tmp_path / "training_results.json").is_file()
