"""chrF (sacrebleu's `CHRF()`: chrF2, orders 1-6, summed over the corpus) and exact match."""

import pytest

from classicnets.evaluation.text_metrics import chrf, exact_match

HYPOTHESES = ["The cat sat on the mat.", "To be, or not to be", "", "xyz", "Hello"]
REFERENCES = ["The cat sat on the mat!", "To be, or not to be, that is the question:", "Nothing", "abc", "Hello"]


def test_corpus_chrf_matches_sacrebleu():
    # sacrebleu.metrics.CHRF().corpus_score(HYPOTHESES, [REFERENCES]).score, and on the first two pairs
    assert chrf(HYPOTHESES, REFERENCES) == pytest.approx(57.58504267539962, abs=1e-9)
    assert chrf(HYPOTHESES[:2], REFERENCES[:2]) == pytest.approx(61.37622340565332, abs=1e-9)


@pytest.mark.parametrize("pair, expected", list(zip(zip(HYPOTHESES, REFERENCES),
                                                    [93.46837666690608, 42.866059541785724, 0.0, 0.0, 100.0])))
def test_sentence_chrf_matches_sacrebleu(pair, expected):
    # sacrebleu.metrics.CHRF().sentence_score(hypothesis, [reference]).score
    assert chrf([pair[0]], [pair[1]]) == pytest.approx(expected, abs=1e-9)


def test_whitespace_is_ignored_and_case_is_not():
    assert chrf(["to be or"], ["tobeor"]) == 100.0
    assert chrf(["To be"], ["to be"]) < 100.0


def test_corpus_chrf_sums_statistics_rather_than_averaging_sentences():
    sentences = [chrf([h], [r]) for h, r in zip(HYPOTHESES[:2], REFERENCES[:2])]
    assert chrf(HYPOTHESES[:2], REFERENCES[:2]) != pytest.approx(sum(sentences) / 2)
    assert chrf([], []) == 0.0


def test_exact_match():
    assert exact_match(HYPOTHESES, REFERENCES) == pytest.approx(1 / 5)
    assert exact_match([], []) == 0.0
    with pytest.raises(ValueError, match="one reference per hypothesis"):
        exact_match(["a"], [])
    with pytest.raises(ValueError, match="one reference per hypothesis"):
        chrf(["a"], ["a", "b"])
