import pytest
from transformers import pipeline

import classicnets  # noqa: F401  (registers the Auto classes)
from classicnets import text_classification_pipeline

from .conftest import MAX_LEN, SENTENCES

LONG_TEXT = " ".join(SENTENCES * 5)


@pytest.fixture(scope="module")
def classify(checkpoint):
    return text_classification_pipeline(checkpoint)


def test_labels_and_scores(classify):
    result = classify(SENTENCES[0])
    assert len(result) == 1 and result[0]["label"] in {"negative", "positive"}
    assert 0.5 <= result[0]["score"] <= 1.0
    both = classify(SENTENCES[0], top_k=None)
    assert {r["label"] for r in both} == {"negative", "positive"}
    assert sum(r["score"] for r in both) == pytest.approx(1.0, abs=1e-6)


def test_batched_inference_matches_one_by_one(classify):
    one_by_one = [classify(s)[0] for s in SENTENCES]
    batched = classify(SENTENCES, batch_size=4)  # padded dynamically to the longest of each batch
    for a, b in zip(one_by_one, batched):
        assert a["label"] == b["label"] and a["score"] == pytest.approx(b["score"], abs=1e-5)


def test_long_text_is_truncated(classify, tokenizer):
    assert len(tokenizer(LONG_TEXT).input_ids) > MAX_LEN
    result = classify(LONG_TEXT)
    truncated = " ".join(tokenizer.convert_ids_to_tokens(tokenizer(LONG_TEXT, truncation=True).input_ids[1:-1]))
    assert result[0]["label"] in {"negative", "positive"}
    assert result[0]["score"] == pytest.approx(classify(truncated.replace(" ##", ""))[0]["score"], abs=1e-5)


def test_plain_pipeline_without_truncation_raises_a_clear_error(checkpoint):
    """transformers' own pipeline() does not truncate unless told: the model names the length and the limit."""
    plain = pipeline("text-classification", model=checkpoint)
    assert plain(SENTENCES[0])[0]["label"] in {"negative", "positive"}
    with pytest.raises(ValueError, match=f"exceeds this model's max_position_embeddings={MAX_LEN}"):
        plain(LONG_TEXT)
    truncating = pipeline("text-classification", model=checkpoint, truncation=True)
    assert truncating(LONG_TEXT)[0]["label"] in {"negative", "positive"}


def test_empty_string_is_classified_from_cls_and_sep_alone(classify):
    """Documented behaviour: "" encodes to [CLS] [SEP] and gets a (meaningless but valid) prediction."""
    result = classify("")
    assert result[0]["label"] in {"negative", "positive"}


@pytest.mark.parametrize("bad", [123, None, 4.5])
def test_non_string_input_raises(classify, bad):
    with pytest.raises((ValueError, TypeError)):
        classify(bad)
