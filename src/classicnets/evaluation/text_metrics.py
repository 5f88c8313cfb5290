"""Text metrics for generated text: chrF (Popović, 2015) and exact match.

`chrf` reproduces sacrebleu's default `CHRF()` (sacrebleu 2.x: character n-grams of orders 1 to 6, beta 2, case
kept, whitespace removed before counting, corpus-level statistics, "effective order" averaging), so that scores
can be compared with published ones without the dependency. Checked against sacrebleu's own values in
tests/training/test_text_metrics.py.
"""

from collections import Counter
from collections.abc import Sequence


def char_ngrams(text: str, n: int) -> Counter:
    """Character n-grams of `text` with its whitespace removed (sacrebleu's default)."""
    text = "".join(text.split())
    return Counter(text[i : i + n] for i in range(len(text) - n + 1))


def chrf_statistics(hypothesis: str, reference: str, order: int = 6) -> list[int]:
    """[hyp n-grams, ref n-grams, matches] for n = 1..order, flattened: 3 * order counts."""
    stats = []
    for n in range(1, order + 1):
        hyp, ref = char_ngrams(hypothesis, n), char_ngrams(reference, n)
        matches = sum(min(count, ref[gram]) for gram, count in hyp.items() if gram in ref)
        # as sacrebleu: no hypothesis n-grams are counted where the reference has none of this order
        stats += [sum(hyp.values()) if ref else 0, sum(ref.values()), matches]
    return stats


def chrf_from_statistics(stats: Sequence[int], beta: float = 2.0) -> float:
    """chrF in [0, 100] from summed statistics: precision and recall averaged over the orders that occur on both
    sides, then their F-beta (recall weighted beta times as much as precision)."""
    factor = beta**2
    precision = recall = 0.0
    effective_order = 0
    for i in range(len(stats) // 3):
        n_hyp, n_ref, n_match = stats[3 * i : 3 * i + 3]
        if n_hyp > 0 and n_ref > 0:
            precision += n_match / n_hyp
            recall += n_match / n_ref
            effective_order += 1
    if effective_order == 0:
        return 0.0
    precision, recall = precision / effective_order, recall / effective_order
    if precision + recall == 0:
        return 0.0
    return 100 * (1 + factor) * precision * recall / (factor * precision + recall)


def chrf(hypotheses: Sequence[str], references: Sequence[str], order: int = 6, beta: float = 2.0) -> float:
    """Corpus chrF of `hypotheses` against one reference each (statistics summed over the corpus), in [0, 100]."""
    if len(hypotheses) != len(references):
        raise ValueError(f"chrf needs one reference per hypothesis: {len(hypotheses)} vs {len(references)}.")
    totals = [0] * (3 * order)
    for hypothesis, reference in zip(hypotheses, references):
        totals = [a + b for a, b in zip(totals, chrf_statistics(hypothesis, reference, order))]
    return chrf_from_statistics(totals, beta)


def exact_match(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    """Share of hypotheses identical to their reference, character for character, in [0, 1]."""
    if len(hypotheses) != len(references):
        raise ValueError(f"exact_match needs one reference per hypothesis: {len(hypotheses)} vs {len(references)}.")
    if not references:
        return 0.0
    return sum(h == r for h, r in zip(hypotheses, references)) / len(references)


__all__ = ["char_ngrams", "chrf", "chrf_from_statistics", "chrf_statistics", "exact_match"]
