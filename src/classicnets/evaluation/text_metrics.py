"""Text metrics for generated text: chrF (Popović, 2015) by sacrebleu, and exact match.

chrF is sacrebleu's default `CHRF()` (character n-grams of orders 1 to 6, beta 2, case kept, whitespace removed,
statistics summed over the corpus), so that a score here is the score every paper reports with sacrebleu.
"""

from collections.abc import Sequence

from sacrebleu.metrics import CHRF


def _check_pairs(metric: str, hypotheses: Sequence[str], references: Sequence[str]) -> None:
    if len(hypotheses) != len(references):
        raise ValueError(f"{metric} needs one reference per hypothesis: {len(hypotheses)} vs {len(references)}.")


def chrf(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    """Corpus chrF of `hypotheses` against one reference each, in [0, 100] (0 for an empty corpus)."""
    _check_pairs("chrf", hypotheses, references)
    if not references:
        return 0.0
    return CHRF().corpus_score(list(hypotheses), [list(references)]).score


def exact_match(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    """Share of hypotheses identical to their reference, character for character, in [0, 1]."""
    _check_pairs("exact_match", hypotheses, references)
    if not references:
        return 0.0
    return sum(h == r for h, r in zip(hypotheses, references)) / len(references)


__all__ = ["chrf", "exact_match"]
