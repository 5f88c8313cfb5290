"""Load a trained char-LSTM (a folder or a Hub id) with the transformers Auto classes and sample from it.

    python examples/generate_char_lstm.py outputs/char-lstm "ROMEO:"
"""

import sys

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

import classicnets  # noqa: F401  (registers the char-LSTM with the Auto classes)


def main(checkpoint: str, prompt: str = "ROMEO:") -> None:
    tokenizer = AutoTokenizer.from_pretrained(checkpoint)
    model = AutoModelForCausalLM.from_pretrained(checkpoint).eval()
    torch.manual_seed(0)
    inputs = tokenizer([prompt], return_tensors="pt")
    out = model.generate(**inputs, max_new_tokens=400, do_sample=True, temperature=0.8)
    print(tokenizer.decode(out[0], skip_special_tokens=True))


if __name__ == "__main__":
    main(*sys.argv[1:])
