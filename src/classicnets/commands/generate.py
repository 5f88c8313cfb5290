"""`classicnets generate CHECKPOINT`: sample text from a char-LSTM checkpoint (a folder or a Hub id)."""

import argparse

from . import COMMANDS



def build_parser() -> argparse.ArgumentParser:
    gen = argparse.ArgumentParser(prog="classicnets generate", description=COMMANDS["generate"])
    gen.add_argument("checkpoint", help="A folder written by save_pretrained, or a Hub id.")
    gen.add_argument("--prompt", default="ROMEO:", help="Text to continue (default: %(default)r).")
    gen.add_argument("--max_new_tokens", type=int, default=300, help="Characters to generate (default: %(default)s).")
    gen.add_argument("--temperature", type=float, default=0.8, help="Sampling temperature (default: %(default)s).")
    gen.add_argument("--top_k", type=int, default=0, help="Keep the k most likely characters (0: all).")
    gen.add_argument("--top_p", type=float, default=1.0, help="Nucleus sampling mass (default: %(default)s).")
    gen.add_argument("--greedy", action="store_true", help="Always take the most likely character.")
    gen.add_argument("--num_samples", type=int, default=1, help="Independent samples (default: %(default)s).")
    gen.add_argument("--seed", type=int, default=0, help="Seed for reproducible sampling (default: %(default)s).")
    return gen


def main(argv: list[str]) -> int:
    return run(build_parser().parse_args(argv))


def run(args: argparse.Namespace) -> int:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from ..models.registry import register_all

    register_all()

    torch.manual_seed(args.seed)
    tokenizer = AutoTokenizer.from_pretrained(args.checkpoint)
    model = AutoModelForCausalLM.from_pretrained(args.checkpoint).eval()
    inputs = tokenizer([args.prompt] * args.num_samples, return_tensors="pt")
    out = model.generate(**inputs, max_new_tokens=args.max_new_tokens, do_sample=not args.greedy,
                         temperature=args.temperature, top_k=args.top_k or None, top_p=args.top_p)
    for i, text in enumerate(tokenizer.batch_decode(out, skip_special_tokens=True)):
        if args.num_samples > 1:
            print(f"----- sample {i + 1} -----")
        print(text)
    return 0
