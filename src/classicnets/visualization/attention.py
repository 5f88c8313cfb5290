"""Attention heat maps: one subplot per head, tokens on both axes."""

import math
from pathlib import Path

import torch


@torch.no_grad()
def plot_attention(model, tokenizer, sentence: str, path, layer: int = -1, max_cols: int = 4) -> Path:
    """
    Write a PNG grid of the attention weights of one encoder layer for `sentence`.

    Args:
        model: A model whose forward takes `input_ids`/`attention_mask` and returns `attentions` when called with
            `output_attentions=True` (e.g. `TransformerForSequenceClassification`), each `(1, H, T, T)`.
        tokenizer: Its tokenizer; the sentence is encoded with `truncation=True`.
        sentence: The text to look at.
        path: Where to write the PNG (parent folders are created).
        layer: Which layer (Python indexing: -1 is the last).
        max_cols: Subplots per row.

    Returns the path written. Row t of each heat map is query token t; column s is how much it attends to token s.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not isinstance(sentence, str):
        raise TypeError(f"plot_attention expects a string sentence, got {type(sentence).__name__}.")
    enc = tokenizer(sentence, return_tensors="pt", truncation=True)
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        out = model(**{k: v.to(device) for k, v in enc.items()}, output_attentions=True)
    finally:
        model.train(was_training)
    if not out.attentions:
        raise ValueError("The model returned no attentions (does its forward support output_attentions=True?).")
    num_layers = len(out.attentions)
    if not -num_layers <= layer < num_layers:
        raise ValueError(f"layer={layer} is out of range for a model with {num_layers} layers.")
    weights = out.attentions[layer][0].float().cpu()  # (H, T, T)
    tokens = tokenizer.convert_ids_to_tokens(enc["input_ids"][0].tolist())
    heads = weights.shape[0]
    cols = min(heads, max_cols)
    rows = math.ceil(heads / cols)
    size = max(2.5, 0.35 * len(tokens))
    fig, axes = plt.subplots(rows, cols, figsize=(size * cols, size * rows), squeeze=False)
    for h, ax in enumerate(axes.flat):
        if h >= heads:
            ax.axis("off")
            continue
        ax.imshow(weights[h].numpy(), cmap="viridis", vmin=0.0, vmax=1.0)
        ax.set_title(f"head {h}")
        ax.set_xticks(range(len(tokens)), tokens, rotation=90, fontsize=7)
        ax.set_yticks(range(len(tokens)), tokens, fontsize=7)
    layer_index = layer % num_layers
    fig.suptitle(f"Attention, layer {layer_index} of {num_layers}: rows attend to columns")
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png", dpi=100)
    plt.close(fig)
    return path


__all__ = ["plot_attention"]
