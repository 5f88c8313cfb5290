"""`classicnets evaluate gan-mnist CHECKPOINT`: sample quality of a GAN, measured with a LeNet classifier."""

import argparse
import json
import sys
from pathlib import Path

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
    parser = argparse.ArgumentParser(allow_abbrev=False, prog="classicnets evaluate",
                                     description="Evaluate a trained model. Tasks: gan-mnist.")
    parser.set_defaults(func=lambda _args: (parser.print_help(), 2)[1])
    tasks = parser.add_subparsers(dest="task", metavar="TASK")
    gan = tasks.add_parser("gan-mnist", description=DESCRIPTION, epilog=EPILOG,
                           help="Sample quality of a GAN trained on MNIST, measured with a LeNet.",
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    gan.add_argument("checkpoint", metavar="CHECKPOINT", help="GAN folder (config.json + model.safetensors).")
    gan.add_argument("--classifier", default=DEFAULT_CLASSIFIER, metavar="DIR",
                     help="LeNet MNIST classifier folder (default: %(default)s).")
    gan.add_argument("--num_images", type=int, default=10000, metavar="N",
                     help="Generated images to score (default: %(default)s).")
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
    from ..evaluation.gan_metrics import evaluate_gan_mnist, format_table

    try:
        results = evaluate_gan_mnist(args.checkpoint, args.classifier, num_images=args.num_images,
                                     seed=args.seed, dataset=args.dataset, batch_size=args.batch_size,
                                     floor=not args.no_floor)
    except (FileNotFoundError, ValueError) as err:
        # No GAN, no classifier (the message names the command that trains it), or sizes that do not match.
        print(f"classicnets evaluate gan-mnist: {err}", file=sys.stderr)
        return 1
    print(format_table(results))
    if args.output:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(json.dumps(results, indent=2))
        print(f"\nWrote {args.output}")
    return 0


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)
