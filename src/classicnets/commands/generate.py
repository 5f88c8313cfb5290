"""`classicnets generate CHECKPOINT`: text from a char-LSTM, images from a GAN (a run folder or a Hub id).

    classicnets generate outputs/char-lstm --prompt "ROMEO:" --max_new_tokens 300     # streams to stdout
    classicnets generate outputs/gan-mnist --num_images 64 --seed 1 --output grid.png
    classicnets generate outputs/gan-conditional --labels 0 1 2 3 4 5 6 7 8 9 --num_images 10 --output_dir digits

The family comes from the checkpoint's config.json (`model_type`); options of the other family are refused.
"""

import argparse
import sys

from . import COMMANDS, ArgumentParser

# Options of one family only: their defaults are None here, so that giving one to the other family is an error.
TEXT_DEFAULTS = {"prompt": "ROMEO:", "max_new_tokens": 300, "temperature": 0.8, "top_k": 0, "top_p": 1.0,
                 "num_samples": 1}
IMAGE_DEFAULTS = {"num_images": 16, "labels": None, "output": None, "output_dir": None, "nrow": 8, "scale": 1}
MAX_GRID_IMAGES = 1024  # one PNG grid holds at most this many images: more go to --output_dir, one file each
MAX_SCALE = 16
BATCH_SIZE = 256  # images generated (and written) at a time: memory is bounded whatever --num_images


def build_parser() -> argparse.ArgumentParser:
    gen = ArgumentParser(
        prog="classicnets generate", description=COMMANDS["generate"],
        epilog="The family is read from the checkpoint's config.json (model_type). Errors: exit 1 for a checkpoint "
               "that cannot be used (missing, wrong family), exit 2 for bad options.")
    gen.add_argument("checkpoint", help="A run folder (or any save_pretrained folder), or a Hub id org/name.")
    gen.add_argument("--seed", type=int, default=0, help="Seed: the same seed gives the same output "
                                                         "(default: %(default)s).")
    text = gen.add_argument_group("char-LSTM (text, streamed to standard output)")
    text.add_argument("--prompt", help=f"Text to continue (default: {TEXT_DEFAULTS['prompt']!r}).")
    text.add_argument("--max_new_tokens", type=int, help=f"Characters to generate "
                                                         f"(default: {TEXT_DEFAULTS['max_new_tokens']}).")
    text.add_argument("--temperature", type=float, help=f"Sampling temperature, > 0 "
                                                        f"(default: {TEXT_DEFAULTS['temperature']}; see --greedy).")
    text.add_argument("--top_k", type=int, help="Sample among the k most likely characters (default 0: all).")
    text.add_argument("--top_p", type=float, help="Nucleus sampling mass in (0, 1] (default: 1.0).")
    text.add_argument("--greedy", action="store_true", help="Always take the most likely character.")
    text.add_argument("--num_samples", type=int, help="Independent samples, one after the other (default: 1).")
    image = gen.add_argument_group("GAN (images written as PNG)")
    image.add_argument("--num_images", type=int, help=f"Images to draw (default: {IMAGE_DEFAULTS['num_images']}; "
                                                      f"more than {MAX_GRID_IMAGES} need --output_dir).")
    image.add_argument("--labels", type=int, nargs="+", metavar="DIGIT",
                       help="Class-conditional models: one class for every image, or one per image.")
    image.add_argument("--output", metavar="PATH", help=f"Write one PNG grid of all images here, at most "
                                                        f"{MAX_GRID_IMAGES} (default: samples.png when --output_dir "
                                                        "is not given).")
    image.add_argument("--output_dir", metavar="DIR", help="Write each image as DIR/image_0000.png, ... (written "
                                                           f"{BATCH_SIZE} at a time: any number of images).")
    image.add_argument("--nrow", type=int, help=f"Images per row of the grid (default: {IMAGE_DEFAULTS['nrow']}).")
    image.add_argument("--scale", type=int, help=f"Enlarge every written image this many times (1..{MAX_SCALE}), "
                                                 "nearest neighbour (default: 1).")
    return gen


def main(argv: list[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    check_values(args)  # before the checkpoint is looked for: a bad option is refused at once
    from ..demos.loader import detect_family, read_config, require_family, resolve_checkpoint

    checkpoint = resolve_checkpoint(args.checkpoint)  # CheckpointError: one line, exit 1 (see commands.main)
    family = detect_family(read_config(checkpoint))
    require_family(family, ("char-lstm", "gan-mnist"), "`classicnets generate`", args.checkpoint)
    check_options(args, family)
    return generate_text(args, checkpoint) if family == "char-lstm" else generate_images(args, checkpoint)


def check_values(args: argparse.Namespace) -> None:
    """Refuse values that cannot work whatever the checkpoint's family (OptionError: one line, exit 2)."""
    from ..errors import OptionError

    if not 0 <= args.seed < 2**64:
        raise OptionError("seed", "must be in [0, 2**64)", args.seed)
    if args.temperature is not None:
        if args.temperature == 0 and not args.greedy:
            raise OptionError("temperature", "0 is not sampling", hint="use --greedy to always take the most "
                                                                      "likely character")
        if not args.temperature >= 0:  # NaN too
            raise OptionError("temperature", "must be > 0", args.temperature, hint="or --greedy")
    for name in ("num_samples", "max_new_tokens", "num_images", "nrow"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            raise OptionError(name, "must be >= 1", getattr(args, name))
    if args.top_k is not None and args.top_k < 0:
        raise OptionError("top_k", "must be >= 0 (0: all characters)", args.top_k)
    if args.top_p is not None and not 0 < args.top_p <= 1:
        raise OptionError("top_p", "must be in (0, 1]", args.top_p)
    if args.scale is not None and not 1 <= args.scale <= MAX_SCALE:
        raise OptionError("scale", f"must be in 1..{MAX_SCALE}", args.scale)
    if args.labels is not None:
        if any(y < 0 for y in args.labels):
            raise OptionError("labels", "must be classes >= 0", [y for y in args.labels if y < 0])
        if args.num_images is not None and len(args.labels) not in (1, args.num_images):
            raise OptionError("labels", f"takes one class for all images or one per image ({args.num_images})",
                              len(args.labels))
    num_images = args.num_images if args.num_images is not None else IMAGE_DEFAULTS["num_images"]
    if (args.output is not None or args.output_dir is None) and num_images > MAX_GRID_IMAGES:
        raise OptionError("num_images", f"is more than one grid holds ({MAX_GRID_IMAGES} images)", num_images,
                          hint="write them one file each with --output_dir DIR (leave --output out)")


def check_options(args: argparse.Namespace, family: str) -> None:
    """Refuse the other family's options (exit 2, like any option error); fill the defaults of this family's."""
    from ..errors import OptionError

    own, other = (TEXT_DEFAULTS, IMAGE_DEFAULTS) if family == "char-lstm" else (IMAGE_DEFAULTS, TEXT_DEFAULTS)
    given = [f"--{k}" for k in other if getattr(args, k) is not None]
    if family != "char-lstm" and args.greedy:
        given.append("--greedy")
    if given:
        what = "a char-LSTM (text)" if family == "char-lstm" else "a GAN (images)"
        verb = "does" if len(given) == 1 else "do"
        raise OptionError(None, f"{args.checkpoint} is {what}: {', '.join(given)} {verb} not apply to it")
    for key, default in own.items():
        if getattr(args, key) is None:
            setattr(args, key, default)
    if family != "char-lstm":
        if args.labels is not None and len(args.labels) not in (1, args.num_images):  # --num_images left out
            raise OptionError("labels", f"takes one class for all images or one per image ({args.num_images})",
                              len(args.labels))
        if args.output is None and args.output_dir is None:
            args.output = "samples.png"


def generate_text(args: argparse.Namespace, checkpoint) -> int:
    """Print each sample as it is generated, character by character (flushed: a pipe or a terminal sees it now)."""
    import torch

    from ..demos.char_lstm import TokenStreamer, encode_prompt, sampling_kwargs
    from ..demos.loader import load_checkpoint

    model, tokenizer = load_checkpoint(checkpoint, "char-lstm")
    torch.manual_seed(args.seed)
    input_ids = encode_prompt(tokenizer, args.prompt)  # (1, T)

    def emit(text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()

    try:
        for i in range(args.num_samples):
            if args.num_samples > 1:
                emit(f"{'' if i == 0 else chr(10)}----- sample {i + 1} -----\n")
            emit(args.prompt)
            model.generate(input_ids, attention_mask=torch.ones_like(input_ids), max_new_tokens=args.max_new_tokens,
                           streamer=TokenStreamer(tokenizer, emit), pad_token_id=tokenizer.pad_token_id,
                           **sampling_kwargs(args.temperature, args.top_k, args.top_p, args.greedy))
        emit("\n")
    except KeyboardInterrupt:  # Ctrl-C ends a long sample: keep what was printed, no traceback
        emit("\n")
        return 130
    except BrokenPipeError:  # `classicnets generate ... | head`: the reader has all it wanted
        sys.stderr.close()
        return 0
    return 0


def generate_images(args: argparse.Namespace, checkpoint) -> int:
    """Write a grid (`--output`, at most MAX_GRID_IMAGES images) and/or one PNG per image (`--output_dir`, written
    BATCH_SIZE at a time, so memory stays bounded whatever --num_images); print what was written. The images are
    those of `model.generate(num_images, seed, labels)`: the seeded stream does not depend on the batch size."""
    from pathlib import Path

    import torch

    from ..demos.loader import load_checkpoint
    from ..errors import OptionError
    from ..models.gan.image_utils import save_image_grid, to_pil_images

    model, _ = load_checkpoint(checkpoint, "gan-mnist")
    labels = args.labels
    if labels is not None:
        config = model.config
        if not config.takes_user_labels:
            kind = "self-conditioned (it draws its own clusters)" if config.is_conditional else "unconditional"
            raise OptionError(None, f"{args.checkpoint} is {kind}: it takes no --labels")
        bad = [y for y in labels if not 0 <= y < config.num_classes]
        if bad:
            raise OptionError("labels", f"must be classes 0..{config.num_classes - 1}", bad)
        labels = labels[0] if len(labels) == 1 else labels
    folder = width = None
    if args.output_dir:
        folder = Path(args.output_dir)
        if folder.exists() and not folder.is_dir():
            raise OptionError("output_dir", f"{folder} is a file, not a folder")
        folder.mkdir(parents=True, exist_ok=True)
        width = max(4, len(str(args.num_images - 1)))
    grid, written = [], 0
    for batch in model.generate_batches(args.num_images, seed=args.seed, labels=labels, batch_size=BATCH_SIZE):
        batch = batch.cpu()  # (B, C, H, W) in [0, 1]
        if args.output:
            grid.append(batch)  # at most MAX_GRID_IMAGES images (checked when parsed)
        if folder is not None:
            for image in to_pil_images(batch):
                if args.scale > 1:
                    image = image.resize((image.width * args.scale, image.height * args.scale), 0)  # 0: nearest
                image.save(folder / f"image_{written:0{width}d}.png", format="PNG")
                written += 1
    if args.output:
        images = torch.cat(grid)
        path = save_image_grid(images, args.output, nrow=args.nrow, scale=args.scale)
        print(f"wrote a grid of {len(images)} images to {path}")
    if folder is not None:
        print(f"wrote {written} images to {folder}/image_{0:0{width}d}.png ...")
    return 0
