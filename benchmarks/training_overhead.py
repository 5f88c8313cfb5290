"""Training throughput of the engine against a plain PyTorch loop doing the same work on the same model.

Both run the char-lstm recipe's model and data (same batches, AdamW, gradient clipping, LR schedule); the engine
adds Accelerate, accumulation bookkeeping, logging and the progress bar. Runs alternate (engine, plain, engine,
plain, ...) so that machine noise hits both, and the best of the rounds is kept.

    python benchmarks/training_overhead.py                      # shakespeare preset, fp32 and bf16
    python benchmarks/training_overhead.py --preset tiny --steps 30 --precisions no
"""

import argparse
import json
import tempfile
import time

import torch
from accelerate.state import AcceleratorState, GradientState
from torch.utils.data import DataLoader
from transformers import get_scheduler

from classicnets.training import Engine, TrainingArguments
from classicnets.training.recipes.char_lstm import CharLSTMArguments, CharLSTMRecipe


class TimedRecipe(CharLSTMRecipe):
    """The char-lstm recipe, recording when each optimizer step starts."""

    card = None  # no model card for a timing run

    def training_step(self, run, batch):
        self.stamps.append(time.perf_counter())
        return super().training_step(run, batch)

    def evaluate(self, run, final=False):
        return {}

    def save_pretrained(self, models, output_dir):
        pass


def engine_rate(recipe_args, steps, warmup, batch, precision) -> float:
    AcceleratorState._reset_state(True)
    GradientState._reset_state()
    recipe = TimedRecipe(recipe_args)
    recipe.stamps = []
    with tempfile.TemporaryDirectory() as out:
        args = TrainingArguments(output_dir=out, max_steps=warmup + steps, per_device_train_batch_size=batch,
                                 eval_steps=10**9, save_steps=0, logging_steps=10, disable_tqdm=False,
                                 mixed_precision=precision, learning_rate=2e-3, warmup_steps=5)
        engine = Engine(recipe, args)
        engine.save_checkpoint = lambda: None  # the final checkpoint is not part of a training step
        engine.train()
    seconds = recipe.stamps[-1] - recipe.stamps[warmup]
    return (steps - 1) * batch * recipe_args.block_size / seconds


def plain_rate(recipe_args, steps, warmup, batch, precision) -> float:
    torch.manual_seed(42)
    recipe = CharLSTMRecipe(recipe_args)
    recipe.build(accelerator=None)
    model = recipe.model.train()
    loader = DataLoader(recipe.train_dataset, batch_size=batch, shuffle=True, drop_last=True,
                        generator=torch.Generator().manual_seed(42))
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-3)
    scheduler = get_scheduler("cosine", optimizer, num_warmup_steps=5, num_training_steps=warmup + steps)
    stamps = []
    for step, batch_data in enumerate(loader):
        if step == warmup + steps:
            break
        stamps.append(time.perf_counter())
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
            loss = model(input_ids=batch_data["input_ids"], labels=batch_data["input_ids"]).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        _ = loss.item()  # the engine logs the loss each step; do the same host sync here
    return (steps - 1) * batch * recipe_args.block_size / (stamps[-1] - stamps[warmup])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default="shakespeare")
    parser.add_argument("--steps", type=int, default=20, help="Timed optimizer steps per run.")
    parser.add_argument("--warmup", type=int, default=3, help="Untimed steps first.")
    parser.add_argument("--batch_size", type=int, default=32)
    parser.add_argument("--block_size", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=2, help="Alternating rounds; the best of each is kept.")
    parser.add_argument("--precisions", default="no,bf16", help="Comma list of no, bf16.")
    parser.add_argument("--output", help="Write the results as JSON here.")
    args = parser.parse_args()
    recipe_args = CharLSTMArguments(preset=args.preset, block_size=args.block_size, sample_chars=0)
    results = []
    for precision in args.precisions.split(","):
        engine_best = plain_best = 0.0
        for _ in range(args.rounds):
            engine_best = max(engine_best,
                              engine_rate(recipe_args, args.steps, args.warmup, args.batch_size, precision))
            plain_best = max(plain_best, plain_rate(recipe_args, args.steps, args.warmup, args.batch_size, precision))
        results.append({"precision": precision, "engine_chars_per_s": engine_best, "plain_chars_per_s": plain_best,
                        "ratio": engine_best / plain_best})
    print(f"\nchar-lstm preset {args.preset}, batch {args.batch_size} x {args.block_size} characters, "
          f"{torch.get_num_threads()} threads")
    print(f"{'precision':<10}{'engine chars/s':>16}{'plain chars/s':>16}{'engine/plain':>14}")
    for r in results:
        print(f"{r['precision']:<10}{r['engine_chars_per_s']:>16.0f}{r['plain_chars_per_s']:>16.0f}{r['ratio']:>13.3f}x")
    if args.output:
        with open(args.output, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
