"""Benchmark the Transformer family's attention implementations and classification throughput on this machine.

1. Encoder forward + backward, eager vs sdpa attention, at several sequence lengths.
2. Sentences/s of batched `TransformerForSequenceClassification` inference at several batch sizes,
   in fp32 and under `torch.autocast("cpu", dtype=torch.bfloat16)`.
3. One plain matrix product in fp32 and bf16: whether bf16 can pay on this CPU at all.

    python benchmarks/attention.py --preset sst2 --lengths 32 64 128 256 --batch-sizes 1 64 --output bench.json

Timings are medians over `--repeats` runs after `--warmup` runs; random weights and token ids (speed does not
depend on them). bf16 autocast only pays where bf16 matmuls beat fp32 ones: on the CI-class machines
(AVX2, or AVX512-BF16 without AMX) it is slower than fp32 (benchmarks/results/README.md).
"""

import argparse
import json
import platform
import statistics
import time

import torch
from timing import alternating_medians  # benchmarks/timing.py

from classicnets import TransformerConfig, TransformerForSequenceClassification


def median_seconds(fn, warmup: int, repeats: int) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)



def make_model(args, max_len: int) -> TransformerForSequenceClassification:
    torch.manual_seed(0)
    config = TransformerConfig.from_preset(
        args.preset, vocab_size=args.vocab_size, max_position_embeddings=max_len, dropout=0.0, attention_dropout=0.0
    )
    return TransformerForSequenceClassification(config)


def random_batch(batch: int, length: int, vocab_size: int, padded: bool):
    ids = torch.randint(5, vocab_size, (batch, length))
    mask = torch.ones(batch, length, dtype=torch.long)
    if padded and batch > 1:  # a realistic batch: lengths spread between length/4 and length
        lengths = torch.linspace(max(1, length // 4), length, batch).long()
        mask = (torch.arange(length)[None, :] < lengths[:, None]).long()
        ids = ids.masked_fill(mask == 0, 0)
    return ids, mask


def bench_attention(args) -> list[dict]:
    """Encoder forward + backward with eager and with sdpa attention, timed in alternation."""
    rows = []
    model = make_model(args, max(args.lengths)).train()
    labels = torch.zeros(args.train_batch, dtype=torch.long)
    for length in args.lengths:
        ids, mask = random_batch(args.train_batch, length, args.vocab_size, padded=True)

        def step(implementation, ids=ids, mask=mask):
            model.set_attn_implementation(implementation)
            model.zero_grad(set_to_none=True)
            model(ids, attention_mask=mask, labels=labels).loss.backward()

        seconds = alternating_medians({name: lambda name=name: step(name) for name in ("eager", "sdpa")},
                                      args.warmup, args.repeats)
        row = {"seq_len": length, "batch": args.train_batch, **{f"{name}_ms": 1000 * s for name, s in seconds.items()}}
        row["speedup"] = row["eager_ms"] / row["sdpa_ms"]
        rows.append(row)
    return rows


@torch.no_grad()
def bench_inference(args) -> list[dict]:
    rows = []
    model = make_model(args, args.infer_len).eval()
    for dtype in ("fp32", "bf16"):
        for batch in args.batch_sizes:
            ids, mask = random_batch(batch, args.infer_len, args.vocab_size, padded=True)

            def run(ids=ids, mask=mask, dtype=dtype):
                if dtype == "bf16":
                    with torch.autocast("cpu", dtype=torch.bfloat16):
                        model(ids, attention_mask=mask)
                else:
                    model(ids, attention_mask=mask)

            # bf16 is slow on AVX2-only CPUs: fewer repeats keep the run short.
            repeats = args.repeats if dtype == "fp32" else max(1, args.repeats // 3)
            seconds = median_seconds(run, 1 if dtype == "bf16" else args.warmup, repeats)
            rows.append({"dtype": dtype, "batch": batch, "seq_len": args.infer_len,
                         "ms_per_batch": 1000 * seconds, "sentences_per_s": batch / seconds})
    return rows


@torch.no_grad()
def bench_matmul(args) -> dict:
    """One (M, K) @ (K, N) product in fp32 and in bf16, alternating: whether this CPU's bf16 matmuls pay at all."""
    m, k, n = shape = args.matmul_shape
    a, b = torch.randn(m, k), torch.randn(k, n)
    a16, b16 = a.bfloat16(), b.bfloat16()
    seconds = alternating_medians({"fp32": lambda: a @ b, "bf16": lambda: a16 @ b16}, args.warmup, args.repeats)
    return {"shape": list(shape), **{f"{name}_ms": 1000 * s for name, s in seconds.items()}}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default="sst2", help="TransformerConfig preset (default: sst2)")
    parser.add_argument("--vocab-size", type=int, default=8000)
    parser.add_argument("--lengths", type=int, nargs="+", default=[32, 64, 128, 256],
                        help="sequence lengths of the forward+backward comparison")
    parser.add_argument("--train-batch", type=int, default=32, help="batch size of the forward+backward comparison")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 64], help="inference batch sizes")
    parser.add_argument("--infer-len", type=int, default=64, help="padded length of the inference batches")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--matmul-shape", type=int, nargs=3, default=[4096, 512, 2048],
                        metavar=("M", "K", "N"),
                        help="the plain matrix product (M, K) @ (K, N) (default: %(default)s)")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    parser.add_argument("--output", help="also write the results as JSON here")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)

    attention = bench_attention(args)
    print(f"\nEncoder forward+backward, preset {args.preset!r}, batch {args.train_batch}, padded, fp32 "
          f"({torch.get_num_threads()} threads, torch {torch.__version__}, "
          f"{platform.processor() or platform.machine()})")
    print(f"{'seq_len':>8} {'eager ms':>10} {'sdpa ms':>10} {'eager/sdpa':>11}")
    for r in attention:
        print(f"{r['seq_len']:>8} {r['eager_ms']:>10.1f} {r['sdpa_ms']:>10.1f} {r['speedup']:>10.2f}x")

    inference = bench_inference(args)
    print(f"\nClassification inference (sdpa), preset {args.preset!r}, sequences padded to {args.infer_len}")
    print(f"{'dtype':>6} {'batch':>6} {'ms/batch':>10} {'sentences/s':>12}")
    for r in inference:
        print(f"{r['dtype']:>6} {r['batch']:>6} {r['ms_per_batch']:>10.1f} {r['sentences_per_s']:>12.1f}")

    matmul = bench_matmul(args)
    m, k, n = matmul["shape"]
    print(f"\nMatrix product ({m}, {k}) @ ({k}, {n}): fp32 {matmul['fp32_ms']:.1f} ms, bf16 {matmul['bf16_ms']:.1f} ms "
          f"(bf16/fp32 time {matmul['bf16_ms'] / matmul['fp32_ms']:.2f}x)")

    if args.output:
        with open(args.output, "w") as f:
            json.dump({"args": vars(args), "torch": torch.__version__, "threads": torch.get_num_threads(),
                       "attention": attention, "inference": inference,
                       "matmul": matmul}, f, indent=2)
        print(f"\nwrote {args.output}")


if __name__ == "__main__":
    main()
