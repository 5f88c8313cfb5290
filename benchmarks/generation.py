"""Characters per second of char-LSTM generation, side by side on the same weights.

Compares, for the tutorial and shakespeare presets:
  generate      `model.generate()` (sampling; the LSTM state is carried between steps),
  plain loop    a hand-written PyTorch loop carrying (h, c) (the lower bound on overhead),
  sliding       the tutorial's method: re-run the model over the last 100 characters for every new one.
and checks that generate()'s time per character stays flat from 100 to 2,000 new characters.

    python benchmarks/generation.py                   # full run (a few minutes on 2 CPU cores)
    python benchmarks/generation.py --quick           # smaller, for a smoke test
"""

import argparse
import json
import time

import torch

from classicnets import CharLSTMConfig, CharLSTMForCausalLM

VOCAB = 69  # Tiny Shakespeare's 65 characters + 4 special tokens


def build(preset: str) -> CharLSTMForCausalLM:
    torch.manual_seed(0)
    return CharLSTMForCausalLM(CharLSTMConfig.from_preset(preset, vocab_size=VOCAB, pad_token_id=0)).eval()


def prompt(batch: int) -> torch.Tensor:
    return torch.randint(4, VOCAB, (batch, 100), generator=torch.Generator().manual_seed(1))


@torch.inference_mode()
def run_generate(model, batch, new):
    model.generate(prompt(batch), attention_mask=torch.ones(batch, 100, dtype=torch.long), max_new_tokens=new,
                   min_new_tokens=new, do_sample=True, top_k=0, pad_token_id=0)


@torch.inference_mode()
def run_plain_loop(model, batch, new):
    ids = prompt(batch)
    out = model(ids)
    logits, state = out.logits[:, -1], out.state
    for _ in range(new):
        next_id = torch.multinomial(torch.softmax(logits, -1), 1)
        out = model(next_id, state=state)
        logits, state = out.logits[:, -1], out.state


@torch.inference_mode()
def run_sliding_window(model, batch, new, window=100):
    ids = prompt(batch)
    for _ in range(new):
        logits = model(ids[:, -window:]).logits[:, -1]
        ids = torch.cat([ids, torch.multinomial(torch.softmax(logits, -1), 1)], dim=1)


def chars_per_second(fn, model, batch, new, repeats) -> float:
    fn(model, batch, min(new, 20))  # warm-up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn(model, batch, new)
        best = min(best, time.perf_counter() - start)
    return batch * new / best


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="Fewer characters and repeats.")
    parser.add_argument("--output", help="Write the results as JSON here.")
    args = parser.parse_args()
    new = 200 if args.quick else 1000
    sliding_new = 20 if args.quick else 50  # the sliding window is ~100x slower: fewer characters suffice
    repeats = 1 if args.quick else 3
    results = []
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"{'preset':<12}{'batch':>6}{'generate':>12}{'plain loop':>12}{'sliding':>10}"
          f"{'gen/plain':>11}{'gen/slide':>11}")
    for preset in ("tutorial", "shakespeare"):
        model = build(preset)
        for batch in (1, 32):
            gen = chars_per_second(run_generate, model, batch, new, repeats)
            plain = chars_per_second(run_plain_loop, model, batch, new, repeats)
            slide = chars_per_second(run_sliding_window, model, batch, sliding_new, 1)
            results.append({"preset": preset, "batch": batch, "generate": gen, "plain_loop": plain, "sliding": slide})
            print(f"{preset:<12}{batch:>6}{gen:>12.0f}{plain:>12.0f}{slide:>10.0f}"
                  f"{gen / plain:>10.2f}x{gen / slide:>10.0f}x")
    print("\nTime per character of generate() (shakespeare preset, batch 1) against the number of new characters:")
    model = build("shakespeare")
    flat = []
    for n in (100, 500, 1000, 2000) if not args.quick else (100, 400):
        cps = chars_per_second(run_generate, model, 1, n, repeats)
        flat.append({"new_chars": n, "ms_per_char": 1000 / cps})
        print(f"  {n:>5} new characters: {1000 / cps:.3f} ms/char")
    if args.output:
        with open(args.output, "w") as f:
            json.dump({"side_by_side": results, "flatness": flat}, f, indent=2)


if __name__ == "__main__":
    main()
