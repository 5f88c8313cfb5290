"""Metrics of a classifier: the confusion matrix as counts, as a markdown table and as a PNG.

Used by the transformer-sst2 recipe (its final evaluation, its model card) and by `classicnets ensemble`.
"""

from pathlib import Path

import torch


def confusion_matrix(labels: torch.Tensor, predictions: torch.Tensor, num_labels: int) -> torch.Tensor:
    """(K, K) counts of (true label, predicted label) pairs: rows the true label, columns the prediction."""
    k = num_labels
    return torch.bincount(labels * k + predictions, minlength=k * k).view(k, k)


def confusion_markdown(confusion: list[list[int]], labels: list[str]) -> str:
    head = "| true \\ predicted | " + " | ".join(labels) + " |"
    rows = [head, "|---|" + "---|" * len(labels)]
    rows += [f"| {labels[i]} | " + " | ".join(str(c) for c in row) + " |" for i, row in enumerate(confusion)]
    total = sum(map(sum, confusion))
    correct = sum(confusion[i][i] for i in range(len(confusion)))
    return "\n".join(rows) + (f"\n\n{correct} of {total} validation sentences correct "
                              f"({correct / max(total, 1):.2%}).")


def plot_confusion_matrix(confusion: list[list[int]], labels: list[str], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    k = len(labels)
    fig, ax = plt.subplots(figsize=(1.6 * k + 2, 1.4 * k + 1.5), dpi=110)
    image = ax.imshow(confusion, cmap="Blues")
    peak = max(max(row) for row in confusion) or 1
    for i in range(k):
        for j in range(k):
            ax.text(j, i, str(confusion[i][j]), ha="center", va="center",
                    color="white" if confusion[i][j] > peak / 2 else "black")
    ax.set_xticks(range(k), labels)
    ax.set_yticks(range(k), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    total = sum(map(sum, confusion))
    ax.set_title(f"accuracy {sum(confusion[i][i] for i in range(k)) / max(total, 1):.2%} ({total} sentences)")
    fig.colorbar(image, ax=ax)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
