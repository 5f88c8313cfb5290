"""`classicnets evaluate gan-mnist CHECKPOINT`: sample quality of a GAN, measured with a LeNet classifier."""

import argparse
import json
import shlex
from pathlib import Path

from ..errors import CheckpointError, OptionError
from . import ArgumentParser

DEFAULT_CLASSIFIER = "outputs/lenet-mnist"  # also in classicnets.evaluation.gan_metrics

DESCRIPTION = """\
Score the generator of a GAN checkpoint (a folder written by `classicnets train gan-mnist` or
GANModel.save_pretrained) with a LeNet MNIST classifier:

  LeNet-FID        Frechet distance between the classifier's penultimate features of N generated images and of
                   the 10,000 MNIST test images (lower is better).
  floor            LeNet-FID of 10,000 MNIST *train* images against the same test images: what a perfect
                   generator would score with this classifier. Compare a LeNet-FID only with the floor and with
                   other numbers from the same classifier.
  Inception score  exp(E KL(p(y|x) || p(y))) of the classifier's predictions on the generated images, in [1, 10];
                   the real test images' score is shown beside it.
  confident share  share of generated images the classifier labels with probability >= 0.9.
  digit shares     share of generated images the classifier reads as each digit (mode collapse shows here).

A class-conditional GAN is asked for the ten digits in equal numbers (image i gets label i mod 10), and the share
of images the classifier reads as the requested digit is reported as label accuracy. Generation is seeded (--seed):
the same checkpoint gives the same numbers."""

EPILOG = """\
examples:
  classicnets evaluate gan-mnist outputs/gan-mnist
  classicnets evaluate gan-mnist outputs/gan-mnist --classifier outputs/lenet-mnist --num_images 10000 \\
      --output outputs/gan-mnist/evaluation.json

The classifier is trained with `classicnets train lenet-mnist --output_dir outputs/lenet-mnist`."""


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(prog="classicnets evaluate", description="Evaluate a trained model. Tasks: gan-mnist.")
    parser.set_defaults(func=lambda _args: (parser.print_help(), 2)[1])
    tasks = parser.add_subparsers(dest="task", metavar="TASK")
    gan = tasks.add_parser("gan-mnist", description=DESCRIPTION, epilog=EPILOG,
                           help="Sample quality of a GAN trained on MNIST, measured with a LeNet.",
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    gan.add_argument("checkpoint", metavar="CHECKPOINT", help="GAN folder (config.json + model.safetensors).")
    gan.add_argument("--classifier", default=DEFAULT_CLASSIFIER, metavar="DIR",
                     help="LeNet MNIST classifier folder (default: %(default)s).")
    gan.add_argument("--num_images", type=int, default=10000, metavar="N",
                     help="Generated images to score, >= 10 (default: %(default)s).")
    gan.add_argument("--seed", type=int, default=0,
                     help="Seed of the noise (and labels) (default: %(default)s).")
    gan.add_argument("--output", metavar="FILE.json", default=None,
                     help="Also write every number as JSON here.")
    gan.add_argument("--dataset", default="ylecun/mnist",
                     help="Real images: Hub id or local Hub-layout folder with train and test splits "
                          "(default: %(default)s, or its local mirror).")
    gan.add_argument("--batch_size", type=int, default=500,
                     help="Generation / classifier batch (default: %(default)s).")
    gan.add_argument("--no_floor", action="store_true",
                     help="Skip the floor (saves decoding the 60,000 train images, ~10 s).")
    gan.set_defaults(func=_evaluate_gan_mnist)
    return parser


def _evaluate_gan_mnist(args: argparse.Namespace) -> int:
    check_gan_mnist_options(args)  # before any model or data is loaded: one line, exit 2 (or 1 for a folder)
    from ..evaluation.gan_metrics import evaluate_gan_mnist, format_table

    # Errors the user can fix (a dataset that does not exist, ...) are UserErrors: one line from `classicnets`.
    results = evaluate_gan_mnist(args.checkpoint, args.classifier, num_images=args.num_images, seed=args.seed,
                                 dataset=args.dataset, batch_size=args.batch_size, floor=not args.no_floor)
    print(format_table(results))
    if args.output:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(json.dumps(results, indent=2))
        print(f"\nWrote {args.output}")
    return 0


def check_gan_mnist_options(args: argparse.Namespace) -> None:
    """The options (OptionError, exit 2), then the two model folders (CheckpointError, exit 1): a GAN, a LeNet,
    and images of the same shape for both."""
    if args.num_images < 10:
        raise OptionError("num_images", "must be >= 10 (FID needs a covariance, the Inception score ten splits)",
                          args.num_images)
    if args.batch_size < 1:
        raise OptionError("batch_size", "must be >= 1", args.batch_size)
    if not 0 <= args.seed < 2**64:
        raise OptionError("seed", "must be in [0, 2**64)", args.seed)
    if args.output and Path(args.output).is_dir():
        raise OptionError("output", f"{args.output} is a folder", hint="give a file name, e.g. evaluation.json")
    gan = _model_config(args.checkpoint, "gan-mnist", "No GAN checkpoint at {path}: expected a folder with "
                        "config.json and model.safetensors (the output_dir of `classicnets train gan-mnist`).")
    classifier = _model_config(args.classifier, "lenet", "No classifier at {path}: train the LeNet MNIST classifier "
                               "there first with `classicnets train lenet-mnist --output_dir {quoted}`.")
    gan_shape = (gan.get("num_channels", 1), gan.get("image_size", 28))
    lenet_shape = (classifier.get("num_channels", 1), classifier.get("image_size", 28))
    if gan_shape != lenet_shape:
        raise CheckpointError(
            f"The classifier {args.classifier} takes {lenet_shape[0]}-channel {lenet_shape[1]}x{lenet_shape[1]} "
            f"images but the GAN makes {gan_shape[0]}-channel {gan_shape[1]}x{gan_shape[1]} ones: use a classifier "
            "trained on the GAN's data.")


def _model_config(folder: str, family: str, missing: str) -> dict:
    """config.json of a local model folder of `family` (as a dict), else a one-line CheckpointError."""
    from ..demos.loader import Checkpoint, detect_family, read_config, require_family

    path = Path(folder).expanduser()
    if not (path / "config.json").is_file():
        raise CheckpointError(missing.format(path=folder, quoted=shlex.quote(str(folder))))
    config = read_config(Checkpoint(str(path), True))
    what = "`classicnets evaluate gan-mnist` as " + ("CHECKPOINT" if family == "gan-mnist" else "--classifier")
    require_family(detect_family(config), (family,), what, folder)
    return config


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)
