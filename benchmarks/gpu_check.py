"""On a GPU: train every recipe a fixed number of steps in fp32 and bf16, check generation, and measure.

For each run (char-lstm `shakespeare`, transformer-sst2 `sst2`, gan-mnist `mlp` and `dcgan`; `--precisions no bf16`)
the script drives the project's own `Engine` in this process, exactly as `classicnets train RECIPE --max_steps N
--mixed_precision no|bf16` would (same option parsing, same recipe defaults), with datasets from the local mirror
(`--data_dir`, i.e. CLASSICNETS_DATA_MIRROR). Each run is `--warmup_steps` untimed steps (the last one counted by
torch's FLOP counter), `--max_steps` timed steps, then `--profile_steps` under torch.profiler (mlp GAN and
char-LSTM only). Reported per run, printed and written as JSON (`--output`):

- steps per second and tokens (char-LSTM: predicted characters; transformer: real, unpadded tokens) or images per
  second, over the timed steps (each step ends with a device synchronisation: the recipes read their losses);
- peak memory: `torch.cuda.max_memory_allocated` on CUDA, the process's peak resident set size sampled after every
  step on the CPU;
- model FLOP utilisation: training FLOPs per second over `--peak_tflops` (default 989, the H200's dense bf16
  peak; fp32 runs are set against the same bf16 peak). FLOPs: char-LSTM analytically, 6 x (LSTM + output-layer
  weights) per predicted character; the others from `torch.utils.flop_counter` on one real step (matrix products
  and convolutions, forward and backward; per padded token for the transformer);
- GPU busy fraction: CUDA kernel time over wall time of the profiled steps (the profiler's own overhead makes this
  a lower bound); `null` on the CPU.

After the fp32 run of the char-LSTM and of each GAN: `generate()` on the device, seeded reproducibility (same seed
twice -> identical), greedy char-LSTM text on the device against the same model on the CPU, and generation
throughput. The command ends with a summary table.

CPU smoke run (tiny presets, synthetic data written to the work folder, a few steps;
tests/benchmarks/test_gpu_check.py):

    python benchmarks/gpu_check.py --device cpu --tiny --output /tmp/gpu_check.json

The H200 run (real presets, mirror data; about 5 minutes, at most 8):

    python benchmarks/gpu_check.py --device cuda --data_dir ../shared/data --max_steps 300 --warmup_steps 20 \\
        --profile_steps 10 --peak_tflops 989 --output benchmarks/results/gpu-check-h200.json
"""

import argparse
import copy
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import torch

RECIPES = {  # name: (recipe, preset, tiny preset, profiled)
    "char-lstm": ("char-lstm", "shakespeare", "tiny", True),
    "transformer-sst2": ("transformer-sst2", "sst2", "tiny", False),
    "gan-mlp": ("gan-mnist", "mlp", "mlp", True),
    "gan-dcgan": ("gan-mnist", "dcgan", "tiny", False),
}
PROMPT = "ROMEO:"


# --- data for --tiny ---------------------------------------------------------------------------------------------


def write_tiny_data(folder: Path) -> dict[str, str]:
    """Small synthetic datasets in the formats the recipes read; returns recipe flags pointing at them."""
    import numpy as np
    from datasets import Dataset
    from datasets import Image as ImageFeature
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    lines = ["ROMEO: But soft, what light through yonder window breaks?", "JULIET: O Romeo, Romeo!",
             "NURSE: Anon, anon! Come, let's away."]
    (folder / "train.txt").write_text("\n".join(lines * 30) + "\n")
    (folder / "val.txt").write_text("\n".join(lines[::-1] * 4) + "\n")
    sentences = ["a gripping , funny film .", "dull and far too long .", "the best movie of the year .",
                 "i hated every minute .", "warm story , great acting .", "the plot is a mess ."]
    for split, repeat in (("train", 8), ("validation", 2)):
        rows = ["sentence,label"] + [f'"{s}",{1 - i % 2}' for i, s in enumerate(sentences * repeat)]
        (folder / f"sst2_{split}.csv").write_text("\n".join(rows) + "\n")
    rng = np.random.default_rng(0)
    for split, count in (("train", 64), ("test", 32)):
        images = [Image.fromarray(rng.integers(0, 256, (28, 28), dtype=np.uint8), mode="L") for _ in range(count)]
        data = Dataset.from_dict({"image": images, "label": [i % 10 for i in range(count)]})
        (folder / "mnist" / "data").mkdir(parents=True, exist_ok=True)
        data.cast_column("image", ImageFeature()).to_parquet(
            str(folder / "mnist" / "data" / f"{split}-00000-of-00001.parquet"))
    return {"char_train": str(folder / "train.txt"), "char_val": str(folder / "val.txt"),
            "sst2_train": str(folder / "sst2_train.csv"), "sst2_val": str(folder / "sst2_validation.csv"),
            "mnist": str(folder / "mnist")}


def recipe_flags(key: str, args, tiny_data: dict | None) -> list[str]:
    """The `classicnets train RECIPE ...` flags of one run, before the shared ones."""
    recipe, preset, tiny_preset, _ = RECIPES[key]
    flags = ["--preset", tiny_preset if args.tiny else preset]
    if recipe == "char-lstm":
        flags += ["--sample_chars", "0"]
        if tiny_data:
            flags += ["--train_file", tiny_data["char_train"], "--validation_file", tiny_data["char_val"],
                      "--block_size", "32", "--eval_streams", "2"]
    elif recipe == "transformer-sst2":
        if tiny_data:
            flags += ["--train_file", tiny_data["sst2_train"], "--validation_file", tiny_data["sst2_val"],
                      "--vocab_size", "120", "--min_frequency", "1", "--max_length", "32"]
    else:
        flags += ["--classifier", "none", "--sample_every", "0"]
        if tiny_data:
            flags += ["--dataset_name", tiny_data["mnist"]]
    if args.tiny:
        flags += ["--per_device_train_batch_size", "8"]
    elif args.batch_size:
        flags += ["--per_device_train_batch_size", str(args.batch_size)]
    return flags


# --- measuring the steps -----------------------------------------------------------------------------------------


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def peak_memory_now(device: torch.device) -> int:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device)
    import psutil

    return psutil.Process().memory_info().rss


def batch_work(key: str, batch) -> tuple[int, int]:
    """(items, padded items) of one training batch: predicted characters, tokens or images."""
    if key == "char-lstm":
        b, t = batch["input_ids"].shape
        return b * (t - 1), b * (t - 1)
    if key == "transformer-sst2":
        return int(batch["attention_mask"].sum()), batch["input_ids"].numel()
    n = batch["pixel_values"].shape[0]
    return n, n


class StepMeter:
    """Wraps `recipe.training_step`: warm-up, one FLOP-counted step, timed steps, then profiled steps."""

    def __init__(self, key: str, recipe, warmup: int, timed: int, profiled: int):
        self.key, self.recipe = key, recipe
        self.warmup, self.timed, self.profiled = warmup, timed, profiled
        self.step = 0
        self.flops_per_padded_item = None
        self.items = self.padded_items = 0
        self.start = self.end = None
        self.peak_rss = 0
        self.profile = None
        self.profile_wall = None
        self.inner = recipe.training_step
        recipe.training_step = self  # the engine calls recipe.training_step(run, batch)

    def __call__(self, run, batch):
        device = run.accelerator.device
        synchronize(device)
        if self.step == self.warmup:
            self.start = time.perf_counter()
        if self.step == self.warmup + self.timed and self.profiled:
            self.profile = start_profiler(device)
            self.profile_wall = time.perf_counter()
        if self.step == self.warmup - 1 and self.key != "char-lstm":
            from torch.utils.flop_counter import FlopCounterMode

            counter = FlopCounterMode(display=False)
            with counter:
                logs = self.inner(run, batch)
            self.flops_per_padded_item = counter.get_total_flops() / batch_work(self.key, batch)[1]
        else:
            logs = self.inner(run, batch)
        if self.warmup <= self.step < self.warmup + self.timed:
            items, padded = batch_work(self.key, batch)
            self.items, self.padded_items = self.items + items, self.padded_items + padded
        self.step += 1
        if self.step == self.warmup + self.timed:  # the end of the last timed step
            synchronize(device)
            self.end = time.perf_counter()
        if self.profile is not None and self.step == self.warmup + self.timed + self.profiled:
            synchronize(device)
            self.profile_wall = time.perf_counter() - self.profile_wall
            self.profile.stop()
        if device.type == "cpu":
            self.peak_rss = max(self.peak_rss, peak_memory_now(device))
        return logs


def start_profiler(device: torch.device):
    from torch.profiler import ProfilerActivity, profile

    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device.type == "cuda" else [])
    prof = profile(activities=activities)
    prof.start()
    return prof


def busy_fraction(meter: StepMeter, device: torch.device) -> float | None:
    """CUDA kernel time / wall time of the profiled steps (None on the CPU: there is no GPU to keep busy)."""
    if meter.profile is None or device.type != "cuda":
        return None
    kernel_us = sum(event.self_device_time_total for event in meter.profile.key_averages())
    return kernel_us / 1e6 / meter.profile_wall


def lstm_flops_per_token(model) -> int:
    """6 x the weights a character goes through in matrix products (LSTM input and recurrent, output layer)."""
    lstm = model.model.lstm if hasattr(model, "model") else model.lstm
    weights = sum(p.numel() for name, p in lstm.named_parameters() if name.startswith("weight_"))
    return 6 * (weights + model.lm_head.weight.numel())


# --- one training run --------------------------------------------------------------------------------------------


def reset_accelerate() -> None:
    from accelerate.state import AcceleratorState, GradientState

    AcceleratorState._reset_state(True)
    GradientState._reset_state()


def train_run(key: str, precision: str, args, tiny_data: dict | None, work: Path):
    """`classicnets train RECIPE ... --max_steps N --mixed_precision P`, in this process; (engine, recipe, meter)."""
    from transformers import HfArgumentParser

    from classicnets.training import Engine, TrainingArguments, get_recipe_class

    recipe_name, _, _, profiled = RECIPES[key]
    profile_steps = args.profile_steps if profiled else 0
    flags = recipe_flags(key, args, tiny_data) + [
        "--output_dir", str(work / f"{key}-{precision}"), "--overwrite_output_dir",
        "--max_steps", str(args.warmup_steps + args.max_steps + profile_steps), "--mixed_precision", precision,
        "--eval_steps", str(10**9), "--save_steps", "0", "--logging_steps", str(10**9), "--disable_tqdm", "true",
        "--seed", "0"]
    recipe_cls = get_recipe_class(recipe_name)
    parser = HfArgumentParser((recipe_cls.arguments_class, TrainingArguments))
    parser.set_defaults(**recipe_cls.training_defaults)
    recipe_args, training_args = parser.parse_args_into_dataclasses(args=flags)
    recipe = recipe_cls(recipe_args)
    # Not what is measured: the loss-curve PNGs and the model card at the end.
    recipe.plot = lambda *a, **k: None
    recipe.write_model_card = lambda *a, **k: None
    reset_accelerate()
    engine = Engine(recipe, training_args)
    meter = StepMeter(key, recipe, args.warmup_steps, args.max_steps, profile_steps)
    if engine.accelerator.device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(engine.accelerator.device)
    engine.train()
    return engine, recipe, meter


def run_figures(key: str, precision: str, engine, recipe, meter: StepMeter, args) -> dict:
    device = engine.accelerator.device
    seconds = meter.end - meter.start
    steps_per_second = meter.timed / seconds
    model = engine.accelerator.unwrap_model(engine.models["model"]) if key == "char-lstm" else None
    flops_per_padded_item = lstm_flops_per_token(model) if model is not None else meter.flops_per_padded_item
    flops_per_second = flops_per_padded_item * meter.padded_items / seconds
    unit = {"char-lstm": "tokens", "transformer-sst2": "tokens"}.get(key, "images")
    return {
        "run": key, "recipe": RECIPES[key][0], "preset": recipe.args.preset, "mixed_precision": precision,
        "device": str(device), "batch_size": engine.args.per_device_train_batch_size,
        "timed_steps": meter.timed, "seconds": seconds, "steps_per_second": steps_per_second,
        "unit": unit, f"{unit}_per_second": meter.items / seconds,
        "peak_memory_bytes": peak_memory_now(device) if device.type == "cuda" else meter.peak_rss,
        "peak_memory_kind": "torch.cuda.max_memory_allocated" if device.type == "cuda" else "process RSS",
        "flops_per_step": flops_per_padded_item * meter.padded_items / meter.timed,
        "flops_method": "analytic 6 x matmul weights per token" if key == "char-lstm" else "torch.utils.flop_counter",
        "mfu": flops_per_second / (args.peak_tflops * 1e12), "peak_tflops": args.peak_tflops,
        "gpu_busy_fraction": busy_fraction(meter, device), "profiled_steps": meter.profiled,
    }


# --- generation checks -------------------------------------------------------------------------------------------


def timed(device, fn):
    synchronize(device)
    start = time.perf_counter()
    out = fn()
    synchronize(device)
    return out, time.perf_counter() - start


def char_lstm_generation(engine, recipe, args) -> dict:
    model = engine.accelerator.unwrap_model(engine.models["model"]).eval()
    device, tokenizer = model.device, recipe.tokenizer
    n = args.generate_tokens
    inputs = tokenizer([PROMPT], return_tensors="pt")

    def greedy(m):
        out = m.generate(**inputs.to(m.device), do_sample=False, max_new_tokens=n, eos_token_id=None)
        return tokenizer.decode(out[0].cpu())

    def sampled(seed: int):
        torch.manual_seed(seed)
        out = model.generate(**inputs.to(device), do_sample=True, temperature=0.8, top_k=20, max_new_tokens=n,
                             eos_token_id=None)
        return out[0].cpu().tolist()

    on_device, seconds = timed(device, lambda: greedy(model))
    on_cpu = greedy(copy.deepcopy(model).to("cpu").float())
    first_difference = next((i for i, (a, b) in enumerate(zip(on_device, on_cpu)) if a != b), None)
    batch = tokenizer([PROMPT] * args.generate_batch, return_tensors="pt").to(device)
    _, batch_seconds = timed(device, lambda: model.generate(**batch, do_sample=True, max_new_tokens=n,
                                                             eos_token_id=None))
    return {"greedy_text": on_device, "greedy_matches_cpu": on_device == on_cpu,
            "greedy_first_difference": first_difference, "seeded_sampling_reproducible": sampled(0) == sampled(0),
            "greedy_tokens_per_second": n / seconds,
            "sampled_tokens_per_second": n * args.generate_batch / batch_seconds, "batch": args.generate_batch}


def gan_generation(engine, recipe, args) -> dict:
    gan = recipe.gan.eval()
    device, n = gan.device, args.generate_images
    labels = list(range(n)) if gan.config.takes_user_labels else None
    gan.generate(min(n, 64), seed=1)  # warm-up (kernel choice, allocations)
    first, seconds = timed(device, lambda: gan.generate(n, seed=0, labels=labels))
    second = gan.generate(n, seed=0, labels=labels)
    cpu = copy.deepcopy(gan).to("cpu").generate(min(n, 256), seed=0, labels=labels and labels[:256])
    rebatched = gan.generate(min(n, 256), seed=0, labels=labels and labels[:256], batch_size=7)
    return {"seeded_reproducible": bool(torch.equal(first, second)),
            "max_abs_difference_batch_size_7": float((first[: len(rebatched)] - rebatched).abs().max()),
            "max_abs_difference_vs_cpu": float((first[: len(cpu)].cpu() - cpu).abs().max()),
            "images_per_second": n / seconds, "num_images": n}


# --- main --------------------------------------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", choices=["cuda", "cpu"], default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--tiny", action="store_true", help="Tiny presets, synthetic data, a few steps (CPU smoke).")
    parser.add_argument("--data_dir", help="Local dataset mirror (sets CLASSICNETS_DATA_MIRROR), e.g. ../shared/data.")
    parser.add_argument("--runs", nargs="+", choices=list(RECIPES), default=list(RECIPES))
    parser.add_argument("--precisions", nargs="+", choices=["no", "bf16"], default=["no", "bf16"])
    parser.add_argument("--max_steps", type=int, default=None, help="Timed steps per run (default 300; --tiny 3).")
    parser.add_argument("--warmup_steps", type=int, default=None, help="Untimed steps first (default 20; --tiny 2).")
    parser.add_argument("--profile_steps", type=int, default=None, help="Profiled steps (default 10; --tiny 2).")
    parser.add_argument("--batch_size", type=int, default=None, help="Override every recipe's batch size.")
    parser.add_argument("--peak_tflops", type=float, default=989.0, help="Dense bf16 peak (H200 SXM: 989).")
    parser.add_argument("--generate_tokens", type=int, default=None, help="Characters per generation (200; tiny 20).")
    parser.add_argument("--generate_batch", type=int, default=64, help="Prompts of the sampled-generation timing.")
    parser.add_argument("--generate_images", type=int, default=None, help="GAN images generated (10000; tiny 64).")
    parser.add_argument("--work_dir", help="Where runs and tiny data go (default: a temporary folder).")
    parser.add_argument("--output", help="JSON file for the results.")
    args = parser.parse_args(argv)
    tiny_defaults = {"max_steps": 3, "warmup_steps": 2, "profile_steps": 2, "generate_tokens": 20,
                     "generate_images": 64}
    defaults = {"max_steps": 300, "warmup_steps": 20, "profile_steps": 10, "generate_tokens": 200,
                "generate_images": 10000}
    for name, value in (tiny_defaults if args.tiny else defaults).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    if args.warmup_steps < 1 or args.max_steps < 1:
        parser.error("--warmup_steps and --max_steps must be >= 1 (the FLOP count uses the last warm-up step).")
    if args.device == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda but torch sees no CUDA device (torch.cuda.is_available() is False).")
    return args


def summary_table(runs: list[dict]) -> str:
    lines = [f"{'run':<18}{'precision':<10}{'steps/s':>9}{'items/s':>13}{'peak MB':>10}{'MFU':>9}{'GPU busy':>10}"]
    for r in runs:
        busy = "-" if r["gpu_busy_fraction"] is None else f"{r['gpu_busy_fraction']:.1%}"
        lines.append(f"{r['run']:<18}{r['mixed_precision']:<10}{r['steps_per_second']:>9.2f}"
                     f"{r[r['unit'] + '_per_second']:>13,.0f}{r['peak_memory_bytes'] / 2**20:>10.1f}"
                     f"{r['mfu']:>9.2%}{busy:>10}")
    return "\n".join(lines)


def main(argv=None) -> dict:
    args = parse_args(argv)
    # The engine's Accelerator picks the GPU when there is one; --device cpu keeps every run on the CPU.
    os.environ["ACCELERATE_USE_CPU"] = "true" if args.device == "cpu" else "false"
    if args.data_dir:
        os.environ["CLASSICNETS_DATA_MIRROR"] = str(Path(args.data_dir).resolve())
    import classicnets  # noqa: F401  (registers the Auto classes)
    from classicnets.training.run_info import machine_description

    work = Path(args.work_dir or tempfile.mkdtemp(prefix="gpu-check-"))
    tiny_data = write_tiny_data(work / "data") if args.tiny else None
    result = {"command": "python " + " ".join([sys.argv[0], *(argv if argv is not None else sys.argv[1:])]),
              "machine": machine_description(), "torch": torch.__version__, "device": args.device,
              "tiny": args.tiny, "runs": [], "generation": {}}
    if args.device == "cuda":
        result["gpu"] = torch.cuda.get_device_name()
    for key in args.runs:
        for precision in args.precisions:
            print(f"== {key} ({RECIPES[key][0]}), mixed precision {precision}", flush=True)
            engine, recipe, meter = train_run(key, precision, args, tiny_data, work)
            figures = run_figures(key, precision, engine, recipe, meter, args)
            result["runs"].append(figures)
            print(json.dumps(figures, indent=1), flush=True)
            if precision == args.precisions[0] and key != "transformer-sst2":
                check = char_lstm_generation if key == "char-lstm" else gan_generation
                result["generation"][key] = check(engine, recipe, args)
                print(json.dumps({key: result["generation"][key]}, indent=1), flush=True)
    print("\n" + summary_table(result["runs"]))
    if args.output:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(json.dumps(result, indent=1))
        print(f"Wrote {args.output}")
    return result


if __name__ == "__main__":
    main()
