import pytest
import torch

from classicnets import TransformerConfig, TransformerForSequenceClassification, train_sst2_tokenizer

SENTENCES = [
    "a gripping , funny and moving film .",
    "dull , tedious and far too long .",
    "the best movie of the year , bar none .",
    "i hated every minute of it .",
    "a charming , warm story with great acting .",
    "the plot is a mess and the jokes fall flat .",
    "an unexpectedly touching film about family .",
    "boring , predictable , and badly acted .",
]
MAX_LEN = 24


@pytest.fixture(scope="session")
def tokenizer():
    return train_sst2_tokenizer(SENTENCES * 2, vocab_size=300, min_frequency=1, model_max_length=MAX_LEN)


def make_classifier(tokenizer, seed=0, **overrides) -> TransformerForSequenceClassification:
    torch.manual_seed(seed)
    config = TransformerConfig.from_preset(
        "tiny", vocab_size=len(tokenizer), max_position_embeddings=MAX_LEN, **overrides
    )
    return TransformerForSequenceClassification(config).eval()


@pytest.fixture(scope="session")
def checkpoint(tokenizer, tmp_path_factory):
    """A saved classifier + tokenizer folder, as a training run would leave it."""
    path = tmp_path_factory.mktemp("transformer-sst2")
    make_classifier(tokenizer).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path
