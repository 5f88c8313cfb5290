"""GAN training throughput of the engine (the gan-mnist recipe) against a plain PyTorch loop, and generation speed.

Both training loops run the same GANModel preset on the same MNIST images (decoded once into a uint8 tensor),
batch 128, one discriminator step (real vs detached fake) and one non-saturating generator step with the
discriminator frozen, two Adams (2e-4, betas (0.5, 0.999)), no clipping, constant LR, and read both losses and
D's outputs back each step (the recipe logs them). The engine adds Accelerate (prepare, accumulate), its data
loader, the scheduler, NaN checks, logging (every 100 steps, as examples/gan_mnist_*.yaml do) and the progress
bar. Runs alternate (engine, plain, engine, ...) so machine noise hits both; the best of the rounds is kept.
Generation: `GANModel.generate` in eval mode.

    python benchmarks/gan.py                                    # mlp and dcgan, 3 rounds
    python benchmarks/gan.py --presets dcgan --steps 20 --rounds 2 --output gan_bench.json
"""

import argparse
import json
import statistics
import tempfile
import time

import torch
from accelerate.state import AcceleratorState, GradientState

from classicnets.data.images import ImageTensorDataset, collate_images
from classicnets.models.gan import (
    GANConfig,
    GANModel,
    discriminator_loss,
    discriminator_stats,
    generator_loss,
)
from classicnets.training import Engine, TrainingArguments
from classicnets.training.recipes.gan_mnist import GANMNISTArguments, GANMNISTRecipe


class TimedRecipe(GANMNISTRecipe):
    """The gan-mnist recipe on pre-decoded images, recording when each step starts; no evaluation or saving."""

    def build(self, accelerator):
        self.config = GANConfig.from_preset(self.args.preset)
        torch.manual_seed(0)
        self.gan = GANModel(self.config)
        self.make_noise_source(accelerator)
        self.train_dataset = ImageTensorDataset(self.images, self.labels)
        self.train_images = self.images
        self.collate_fn = collate_images
        self.classifier, self.notes = None, []

    def training_step(self, run, batch):
        self.stamps.append(time.perf_counter())
        logs = super().training_step(run, batch)
        self.ends.append(time.perf_counter())
        return logs

    def evaluate(self, run, final=False):
        return {}

    def save_pretrained(self, models, output_dir):
        pass

    def plot(self, records, output_dir):
        pass


def engine_rate(preset, images, labels, steps, warmup, batch) -> tuple[float, float]:
    """Images/s of the engine, and the median milliseconds per step spent *outside* the recipe's training step
    (the engine's loop: data loader, sampler, bookkeeping, logging, progress bar)."""
    AcceleratorState._reset_state(True)
    GradientState._reset_state()
    recipe = TimedRecipe(GANMNISTArguments(preset=preset, classifier="none", sample_every=0))
    recipe.images, recipe.labels, recipe.stamps, recipe.ends = images, labels, [], []
    with tempfile.TemporaryDirectory() as out:
        args = TrainingArguments(output_dir=out, max_steps=warmup + steps, per_device_train_batch_size=batch,
                                 eval_steps=10**9, save_steps=0, logging_steps=100, lr_scheduler_type="constant",
                                 max_grad_norm=0.0, seed=0)
        engine = Engine(recipe, args)
        engine.save_checkpoint = lambda: None  # the final checkpoint is not part of a training step
        engine.train()
    starts, ends = recipe.stamps[warmup:], recipe.ends[warmup:]
    outside = statistics.median(nxt - end for end, nxt in zip(ends, starts[1:]))
    return (steps - 1) * batch / (starts[-1] - starts[0]), outside * 1e3


def plain_rate(preset, images, labels, steps, warmup, batch) -> float:
    torch.manual_seed(0)
    config = GANConfig.from_preset(preset)
    model = GANModel(config).train()
    generator, discriminator = model.generator, model.discriminator
    opt_g = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(0))
    stamps = []
    for step in range(warmup + steps):
        stamps.append(time.perf_counter())
        idx = order[step * batch : (step + 1) * batch]
        real = images[idx].float().div_(255)
        y_real = labels[idx] if config.num_classes else None
        y_fake = torch.randint(config.num_classes, (batch,)) if config.num_classes else None
        fake = generator(torch.randn(batch, config.latent_dim), y_fake)
        real_logits = discriminator(real, y_real)
        fake_logits = discriminator(fake.detach(), y_fake)
        d_loss = discriminator_loss(real_logits, fake_logits)
        d_loss.backward()
        opt_d.step()
        opt_d.zero_grad(set_to_none=True)
        for p in discriminator.parameters():
            p.requires_grad_(False)
        g_loss = generator_loss(discriminator(fake, y_fake))
        g_loss.backward()
        opt_g.step()
        opt_g.zero_grad(set_to_none=True)
        for p in discriminator.parameters():
            p.requires_grad_(True)
        _ = d_loss.item(), g_loss.item(), discriminator_stats(real_logits, fake_logits)  # what the recipe logs
    return (steps - 1) * batch / (stamps[-1] - stamps[warmup])


def batch_ms(images_per_s: float, batch: int) -> float:
    return batch / images_per_s * 1e3


def generation_rate(preset, num_images, batch_size, rounds) -> float:
    torch.manual_seed(0)
    model = GANModel(GANConfig.from_preset(preset)).eval()
    model.generate(num_images=batch_size, seed=0)  # warm-up
    best = 0.0
    for r in range(rounds):
        start = time.perf_counter()
        model.generate(num_images=num_images, seed=r, batch_size=batch_size)
        best = max(best, num_images / (time.perf_counter() - start))
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--presets", default="mlp,dcgan", help="Comma list of GAN presets.")
    parser.add_argument("--steps", type=int, default=0, help="Timed steps per run (0: 300 for mlp, 30 otherwise).")
    parser.add_argument("--warmup", type=int, default=3, help="Untimed steps first.")
    parser.add_argument("--batch_size", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=3, help="Alternating rounds; the best of each is kept.")
    parser.add_argument("--train_images", type=int, default=60000, help="MNIST train images to load.")
    parser.add_argument("--generate_images", type=int, default=10000, help="Images per generation run.")
    parser.add_argument("--output", help="Write the results as JSON here.")
    args = parser.parse_args()

    from classicnets.data import load_hub_dataset
    from classicnets.data.images import decode_images, decode_labels

    mnist = load_hub_dataset("ylecun/mnist", split="train")
    images = decode_images(mnist, "image", "MNIST (train split)")[: args.train_images].contiguous()
    labels = decode_labels(mnist, "label", "MNIST (train split)")[: args.train_images]
    results = []
    for preset in args.presets.split(","):
        steps = args.steps or (300 if preset == "mlp" else 30)
        if (args.warmup + steps) * args.batch_size > len(images):
            raise SystemExit(f"{steps} steps of {args.batch_size} need more than --train_images {len(images)}.")
        engine_best = plain_best = 0.0
        outside = []
        for _ in range(args.rounds):
            rate, outside_ms = engine_rate(preset, images, labels, steps, args.warmup, args.batch_size)
            engine_best, outside = max(engine_best, rate), outside + [outside_ms]
            plain_best = max(plain_best, plain_rate(preset, images, labels, steps, args.warmup, args.batch_size))
            print(f"{preset}: engine {engine_best:.0f} img/s, plain {plain_best:.0f} img/s (best so far)", flush=True)
        gen = generation_rate(preset, args.generate_images, 500, args.rounds)
        results.append({"preset": preset, "steps": steps, "engine_images_per_s": engine_best,
                        "plain_images_per_s": plain_best, "ratio": engine_best / plain_best,
                        "plain_ms_per_step": batch_ms(plain_best, args.batch_size),
                        "engine_ms_outside_step": min(outside),
                        "generation_images_per_s": gen})
    print(f"\nGAN training, batch {args.batch_size}, {torch.get_num_threads()} threads, best of {args.rounds} "
          "alternating rounds")
    print(f"{'preset':<8}{'steps':>7}{'engine img/s':>14}{'plain img/s':>13}{'engine/plain':>14}{'generate img/s':>16}"
          f"{'plain ms/step':>15}{'engine loop ms':>16}")
    for r in results:
        print(f"{r['preset']:<8}{r['steps']:>7}{r['engine_images_per_s']:>14.0f}{r['plain_images_per_s']:>13.0f}"
              f"{r['ratio']:>13.3f}x{r['generation_images_per_s']:>16.0f}{r['plain_ms_per_step']:>15.2f}"
              f"{r['engine_ms_outside_step']:>16.2f}")
    print("engine loop ms: median time per step outside the recipe's training step (data loader, sampler, "
          "bookkeeping), lowest over the rounds")
    if args.output:
        with open(args.output, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
