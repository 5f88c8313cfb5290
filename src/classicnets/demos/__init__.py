"""Web demos (Gradio) of the classicnets families: one module per family and a loader that tells them apart.

    from classicnets.demos import build_demo
    demo = build_demo("outputs/char-lstm")           # a run folder or a Hub id; the family comes from config.json
    demo.launch(server_name="127.0.0.1")

or from the command line: `classicnets demo outputs/char-lstm`. `classicnets space RUN --output_dir DIR
--model_id org/name` writes a Hugging Face Space that runs the same app. Needs `pip install "classicnets[demo]"`
(gradio); importing this package does not import gradio, torch or transformers.

- char-LSTM (`char_lstm.py`): prompt, temperature, top-k, length; the text streams in as it is generated.
- Transformer classifier (`sst2.py`): a sentence; label and probability, and each head's attention over the words.
- GAN (`gan.py`): a seed (and the digit of a class-conditional model); a grid, and an interpolation strip.
"""

from __future__ import annotations

from .loader import (
    DEMO_FAMILIES,
    CheckpointError,
    detect_family,
    read_config,
    require_family,
    resolve_checkpoint,
)

__all__ = ["DEMO_FAMILIES", "CheckpointError", "build_demo", "demo_checkpoint", "launch_demo", "load_for_demo"]

TITLES = {"char-lstm": "char-LSTM", "transformer-sst2": "Transformer sentiment classifier", "gan-mnist": "MNIST GAN"}


def demo_checkpoint(ref: str, command: str = "`classicnets demo`") -> tuple[object, str]:
    """`(checkpoint folder, family)` of a run folder or Hub id whose family has a demo; `CheckpointError` (one
    line, naming `command`) otherwise."""
    checkpoint = resolve_checkpoint(ref)
    family = detect_family(read_config(checkpoint))
    require_family(family, DEMO_FAMILIES, command, ref)
    return checkpoint, family


def load_for_demo(ref: str) -> tuple[str, object, object]:
    """`(family, model, tokenizer)` for any checkpoint with a demo; `CheckpointError` (one line) otherwise."""
    from .loader import load_checkpoint

    checkpoint, family = demo_checkpoint(ref)
    model, tokenizer = load_checkpoint(checkpoint, family)
    return family, model, tokenizer


def build_demo(ref: str, title: str | None = None):
    """The `gradio.Blocks` demo of a checkpoint (run folder or Hub id), picked by its family."""
    family, model, tokenizer = load_for_demo(ref)
    name = str(ref).rstrip("/").split("/")[-1]
    title = title or f"{TITLES[family]}: {name}"
    if family == "char-lstm":
        from .char_lstm import build_demo as build
    elif family == "transformer-sst2":
        from .sst2 import build_demo as build
    else:
        from .gan import build_demo as gan_build

        return gan_build(model, title=title)
    return build(model, tokenizer, title=title)


def launch_demo(demo, port: int | None = None, share: bool = False, block: bool = True, quiet: bool = False):
    """Serve `demo` on loopback (127.0.0.1) only; `share=True` adds a public gradio.live link (needs internet).
    `block=False` returns at once (tests); then `demo.close()` stops it. Returns the local URL."""
    _, url, _ = demo.queue().launch(server_name="127.0.0.1", server_port=port, share=share, ssr_mode=False,
                                    prevent_thread_lock=not block, quiet=quiet, inbrowser=False)
    return url
