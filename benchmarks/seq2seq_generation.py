"""Benchmark `TransformerForSeq2SeqLM.generate()` (key/value cache) against a plain decoding loop.

The plain loop is what decoding costs without a cache: the encoder runs once (as in generate()), then at every
step the decoder re-reads the whole prefix, so step t costs t positions and n tokens cost ~n^2 / 2 positions.
With the cache each step feeds one position and the cross-attention keys and values are projected once, so the
time per token should stay flat as n grows (only attention over the growing cache, cheap at these sizes, grows).

    OMP_NUM_THREADS=1 python benchmarks/seq2seq_generation.py --new-tokens 32 128 512 --output bench.json

Greedy decoding of exactly n new tokens (`min_new_tokens`, no early stop), random weights and source ids; both
paths are checked to produce the same tokens. Timings are medians over `--repeats` rounds in which the two paths
run in alternation (machine load drifts hit both). The load average before and after is recorded: on a shared
machine read the ratios, not the absolute rates.
"""

import argparse
import json
import os
import platform

import torch
from timing import alternating_medians  # benchmarks/timing.py

from classicnets.models.transformer import TransformerForSeq2SeqLM, TransformerSeq2SeqConfig


def make_model(args, max_len: int) -> TransformerForSeq2SeqLM:
    torch.manual_seed(0)
    config = TransformerSeq2SeqConfig(
        vocab_size=args.vocab_size, d_model=args.d_model, num_heads=args.num_heads, encoder_layers=args.layers,
        decoder_layers=args.layers, ffn_dim=4 * args.d_model, dropout=0.0, max_position_embeddings=max_len,
        tie_word_embeddings=True, initializer_range=0.1,
    )
    return TransformerForSeq2SeqLM(config).eval()


@torch.no_grad()
def generate_cached(model, source, n: int) -> torch.Tensor:
    return model.generate(input_ids=source, max_new_tokens=n, min_new_tokens=n, do_sample=False)  # (B, 1 + n)


@torch.no_grad()
def generate_plain(model, source, n: int) -> torch.Tensor:
    """Greedy decoding with no cache: the decoder re-reads the whole prefix at every step."""
    encoder_outputs = model.get_encoder()(source)
    prefix = torch.full((source.shape[0], 1), model.decoder_start_token_id, dtype=torch.long)
    for _ in range(n):
        logits = model(encoder_outputs=encoder_outputs, decoder_input_ids=prefix).logits[:, -1]  # (B, vocab)
        logits[:, model.config.eos_token_id] = -float("inf")  # as min_new_tokens does in generate()
        prefix = torch.cat([prefix, logits.argmax(-1, keepdim=True)], dim=1)
    return prefix



def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--new-tokens", type=int, nargs="+", default=[32, 128, 512])
    parser.add_argument("--source-len", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=1)
    parser.add_argument("--d-model", type=int, default=256)
    parser.add_argument("--num-heads", type=int, default=4)
    parser.add_argument("--layers", type=int, default=3, help="encoder layers = decoder layers")
    parser.add_argument("--vocab-size", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    parser.add_argument("--output", help="also write the results as JSON here")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)

    load_before = os.getloadavg()
    model = make_model(args, max(max(args.new_tokens) + 1, args.source_len))
    source = torch.randint(5, args.vocab_size, (args.batch_size, args.source_len))
    rows = []
    print(f"{'new tokens':>10} {'cached ms/tok':>14} {'plain ms/tok':>13} {'cached tok/s':>13} {'plain tok/s':>12} "
          f"{'plain/cached':>13}")
    for n in args.new_tokens:
        same = torch.equal(generate_cached(model, source, n), generate_plain(model, source, n))
        seconds = alternating_medians({"cached": lambda n=n: generate_cached(model, source, n),
                                       "plain": lambda n=n: generate_plain(model, source, n)},
                                      args.warmup, args.repeats)
        tokens = n * args.batch_size
        row = {"new_tokens": n, "same_tokens": same,
               "cached_seconds": seconds["cached"], "plain_seconds": seconds["plain"],
               "cached_ms_per_token": 1000 * seconds["cached"] / tokens,
               "plain_ms_per_token": 1000 * seconds["plain"] / tokens,
               "cached_tokens_per_second": tokens / seconds["cached"],
               "plain_tokens_per_second": tokens / seconds["plain"],
               "plain_over_cached": seconds["plain"] / seconds["cached"]}
        rows.append(row)
        print(f"{n:>10} {row['cached_ms_per_token']:>14.2f} {row['plain_ms_per_token']:>13.2f} "
              f"{row['cached_tokens_per_second']:>13.1f} {row['plain_tokens_per_second']:>12.1f} "
              f"{row['plain_over_cached']:>12.2f}x" + ("" if same else "  (tokens differ!)"))
    flat = rows[-1]["cached_ms_per_token"] / rows[0]["cached_ms_per_token"]
    grows = rows[-1]["plain_ms_per_token"] / rows[0]["plain_ms_per_token"]
    print(f"ms per token from {rows[0]['new_tokens']} to {rows[-1]['new_tokens']} new tokens: cached x{flat:.2f}, "
          f"plain x{grows:.2f}")
    result = {
        "benchmark": "seq2seq_generation", "arguments": vars(args), "rows": rows,
        "cached_ms_per_token_growth": flat, "plain_ms_per_token_growth": grows,
        "parameters": sum(p.numel() for p in model.parameters()),
        "machine": {"processor": platform.processor() or platform.machine(), "cpu_count": os.cpu_count(),
                    "torch_threads": torch.get_num_threads(), "torch": torch.__version__,
                    "load_average_before": load_before, "load_average_after": os.getloadavg()},
    }
    if args.output:
        with open(args.output, "w") as f:
            json.dump(result, f, indent=2)
    return result


if __name__ == "__main__":
    main()
