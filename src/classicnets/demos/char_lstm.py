"""The char-LSTM demo: a prompt, temperature, top-k, a length; the text appears as it is generated.

`stream_text` is the sampler (a plain generator of the text so far, used by the demo and testable without a
browser); `TokenStreamer` hands each generated character to a callback the moment `generate()` makes it (the
command line prints with it). `build_demo` wires them into a Gradio app; gradio is imported only there.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator

from transformers.generation.streamers import BaseStreamer

__all__ = ["TokenStreamer", "build_demo", "encode_prompt", "sampling_kwargs", "stream_text"]

MAX_LENGTH = 2000  # characters the demo's length slider allows


class TokenStreamer(BaseStreamer):
    """
    A `generate(streamer=...)` streamer that calls `emit(text)` with the text of every new token, at once.

    transformers' `TextStreamer` holds text back until a word ends (it must, for tokenizers whose tokens are
    pieces of UTF-8 or words); a character tokenizer's tokens are whole code points, so each one can be shown as
    soon as it exists. The first `put` is the prompt, which is skipped. Special tokens (`<eos>`, ...) print nothing.
    """

    def __init__(self, tokenizer, emit: Callable[[str], None]):
        self.tokenizer, self.emit = tokenizer, emit
        self.prompt_seen = False

    def put(self, value) -> None:
        if not self.prompt_seen:  # (1, T): the prompt
            self.prompt_seen = True
            return
        ids = value.reshape(-1).tolist()  # (1,) or (1, 1): the token just sampled
        text = self.tokenizer.decode(ids, skip_special_tokens=True)
        if text:
            self.emit(text)

    def end(self) -> None:
        pass


def encode_prompt(tokenizer, prompt: str):
    """(1, T) input ids; an empty prompt starts from `<bos>` (the model needs one token to condition on)."""
    import torch

    ids = tokenizer(prompt, add_special_tokens=False)["input_ids"] if prompt else []
    if not ids:
        ids = [tokenizer.bos_token_id if tokenizer.bos_token_id is not None else 0]
    return torch.tensor([ids], dtype=torch.long)


def sampling_kwargs(temperature: float, top_k: int, top_p: float = 1.0, greedy: bool = False) -> dict:
    """`generate()` keyword arguments; temperature 0 means greedy decoding (the limit of sampling as T -> 0)."""
    if greedy or temperature == 0:
        return {"do_sample": False}
    return {"do_sample": True, "temperature": float(temperature), "top_k": int(top_k), "top_p": float(top_p)}


def stream_text(model, tokenizer, prompt: str, temperature: float = 0.8, top_k: int = 0,
                max_new_tokens: int = 300, seed: int | None = 0) -> Iterator[str]:
    """
    Yield the prompt, then the prompt plus the text generated so far, growing as `generate()` runs in a worker
    thread. Closing the iterator early (a Gradio client going away, a `break`) stops the generation at the next
    character instead of letting it run to `max_new_tokens`.
    """
    import torch
    from transformers import StoppingCriteria, StoppingCriteriaList

    class StopWhenAsked(StoppingCriteria):
        def __call__(self, input_ids, scores, **kwargs):  # (B, T) -> (B,) bools
            return torch.full((input_ids.shape[0],), stop.is_set(), dtype=torch.bool, device=input_ids.device)

    pieces: queue.Queue = queue.Queue()
    stop, done = threading.Event(), object()
    input_ids = encode_prompt(tokenizer, prompt).to(model.device)

    def work():
        try:
            if seed is not None:
                torch.manual_seed(int(seed))
            model.generate(input_ids, attention_mask=torch.ones_like(input_ids), max_new_tokens=int(max_new_tokens),
                           streamer=TokenStreamer(tokenizer, pieces.put), pad_token_id=tokenizer.pad_token_id,
                           stopping_criteria=StoppingCriteriaList([StopWhenAsked()]),
                           **sampling_kwargs(temperature, top_k))
        except BaseException as err:  # noqa: BLE001  (handed to the reading side, raised there)
            pieces.put(err)
        finally:
            pieces.put(done)

    worker = threading.Thread(target=work, name="char-lstm-generate", daemon=True)
    worker.start()
    text = prompt
    yield text
    try:
        while (piece := pieces.get()) is not done:
            if isinstance(piece, BaseException):
                raise piece
            text += piece
            while not pieces.empty():  # join what arrived meanwhile: one update for a burst of characters
                nxt = pieces.queue[0]
                if nxt is done or isinstance(nxt, BaseException):
                    break
                text += pieces.get()
            yield text
    finally:
        stop.set()
        worker.join()


def build_demo(model, tokenizer, title: str = "char-LSTM"):
    """A `gradio.Blocks` app: prompt, temperature, top-k, length and seed in; the growing text out."""
    import gradio as gr

    def generate(prompt, temperature, top_k, length, seed):
        yield from stream_text(model, tokenizer, prompt or "", float(temperature), int(top_k), int(length),
                               None if seed is None else int(seed))

    with gr.Blocks(title=title, analytics_enabled=False) as demo:
        gr.Markdown(f"# {title}\nA character-level LSTM language model: it continues your text one character at a "
                    "time. Temperature 0 always takes the most likely character; top-k 0 samples from all of them.")
        with gr.Row():
            with gr.Column():
                prompt = gr.Textbox(label="Prompt", value="ROMEO:", lines=3, elem_id="prompt")
                temperature = gr.Slider(0.0, 2.0, value=0.8, step=0.05, label="Temperature", elem_id="temperature")
                top_k = gr.Slider(0, 100, value=0, step=1, label="Top-k (0: all characters)", elem_id="top_k")
                length = gr.Slider(1, MAX_LENGTH, value=300, step=1, label="Characters to generate",
                                   elem_id="length")
                seed = gr.Number(value=0, precision=0, label="Seed", elem_id="seed")
                button = gr.Button("Generate", variant="primary", elem_id="generate")
            with gr.Column():
                output = gr.Textbox(label="Text", lines=18, elem_id="output")
        inputs = [prompt, temperature, top_k, length, seed]
        button.click(generate, inputs, output)
        prompt.submit(generate, inputs, output)
    return demo
