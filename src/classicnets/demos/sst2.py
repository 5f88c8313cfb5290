"""The text-classifier demo (SST-2 sentiment): a sentence in; the label, its probability, and the attention of
every head of a layer drawn over the words.

`classify_sentences` is the classifier (used by `classicnets classify` too); `attention_image` draws the heads
with `classicnets.visualization.attention.plot_attention`. `build_demo` wires them into a Gradio app.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

__all__ = ["attention_image", "build_demo", "classify_sentences", "label_scores"]

EXAMPLES = ["a gripping , funny and moving film .", "dull , tedious and far too long ."]


def label_scores(model, tokenizer, sentences: list[str], batch_size: int = 32) -> list[dict[str, float]]:
    """`{label: probability}` for each sentence (all labels, summing to 1); long sentences are truncated."""
    import torch

    out = []
    id2label = model.config.id2label
    for start in range(0, len(sentences), batch_size):
        batch = sentences[start : start + batch_size]
        enc = tokenizer(batch, return_tensors="pt", padding=True, truncation=True).to(model.device)
        with torch.no_grad():
            probs = model(**enc).logits.float().softmax(-1).cpu()  # (B, num_labels)
        out += [{id2label[i]: float(p[i]) for i in range(p.shape[0])} for p in probs]
    return out


def classify_sentences(model, tokenizer, sentences: list[str], batch_size: int = 32) -> list[dict]:
    """`[{"text", "label", "score", "scores"}]`: the most likely label, its probability, and every label's."""
    results = []
    for text, scores in zip(sentences, label_scores(model, tokenizer, sentences, batch_size)):
        label = max(scores, key=scores.get)
        results.append({"text": text, "label": label, "score": scores[label], "scores": scores})
    return results


def attention_model(model):
    """The network whose heads are drawn: the model itself, or the first member of an ensemble."""
    members = getattr(model, "members", None)
    return members[0] if members is not None else model


def attention_image(model, tokenizer, sentence: str, layer: int = -1):
    """A PIL image of every head's attention in `layer` for `sentence` (rows attend to columns)."""
    from PIL import Image

    from ..visualization.attention import plot_attention

    with tempfile.TemporaryDirectory() as tmp:
        path = plot_attention(attention_model(model), tokenizer, sentence, Path(tmp) / "attention.png", layer=layer)
        with Image.open(path) as image:
            return image.convert("RGB")


def build_demo(model, tokenizer, title: str = "Transformer sentiment classifier"):
    """A `gradio.Blocks` app: a sentence and a layer in; label probabilities and an attention plot out."""
    import gradio as gr

    net = attention_model(model)
    num_layers = int(net.config.encoder_layers)
    ensemble = net is not model

    def run(sentence, layer):
        sentence = (sentence or "").strip()
        if not sentence:
            raise gr.Error("Type a sentence first.")
        scores = label_scores(model, tokenizer, [sentence])[0]
        return scores, attention_image(model, tokenizer, sentence, layer=int(layer))

    with gr.Blocks(title=title, analytics_enabled=False) as demo:
        gr.Markdown(f"# {title}\nA small Transformer encoder trained on SST-2 movie-review sentences: it says whether "
                    "a sentence is positive or negative, and shows where each attention head looks."
                    + ("\n\nAn ensemble: the labels average its members; the attention is its first member's."
                       if ensemble else ""))
        with gr.Row():
            with gr.Column():
                sentence = gr.Textbox(label="Sentence", value=EXAMPLES[0], lines=2, elem_id="sentence")
                layer = gr.Slider(0, max(num_layers - 1, 1), value=num_layers - 1, step=1,
                                  label="Encoder layer to show (0: the first)", visible=num_layers > 1,
                                  elem_id="layer")  # a one-layer model has nothing to pick
                button = gr.Button("Classify", variant="primary", elem_id="classify")
                gr.Examples([[e] for e in EXAMPLES], inputs=[sentence])
            with gr.Column():
                label = gr.Label(label="Sentiment", num_top_classes=len(model.config.id2label), elem_id="label")
        attention = gr.Image(label="Attention of each head (rows attend to columns)", type="pil", format="png",
                             elem_id="attention")
        button.click(run, [sentence, layer], [label, attention])
        sentence.submit(run, [sentence, layer], [label, attention])
    return demo
