"""chrF and exact match against values computed by sacrebleu 2.6.0's `CHRF()` (its defaults: chrF2, orders 1-6)."""

import pytest

from classicnets.evaluation.text_metrics import chrf, chrf_statistics, exact_match

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


def test_statistics_count_ngrams_up_to_order_six():
    stats = chrf_statistics("abcab", "abc")
    assert stats[:3] == [5, 3, 3]  # unigrams: a b c a b against a b c, 3 matched
    assert stats[6:9] == [3, 1, 1]  # trigrams: abc bca cab against abc
    assert stats[-3:] == [0, 0, 0]  # no 6-grams on either side


def test_exact_match():
    assert exact_match(HYPOTHESES, REFERENCES) == pytest.approx(1 / 5)
    assert exact_match([], []) == 0.0
    with pytest.raises(ValueError, match="one reference per hypothesis"):
        exact_match(["a"], [])
    with pytest.raises(ValueError, match="one reference per hypothesis"):
        chrf(["a"], ["a", "b"])
