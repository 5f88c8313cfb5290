"""Train a GAN on MNIST with the library's engine: a thin wrapper over `classicnets train gan-mnist`.

    python examples/train_gan_mnist.py examples/gan_mnist_dcgan.yaml                 # the reference DCGAN run
    python examples/train_gan_mnist.py examples/gan_mnist_conditional.yaml --max_time 5
    python examples/train_gan_mnist.py --preset mlp --max_steps 2000 --lr_scheduler_type constant
    classicnets evaluate gan-mnist outputs/gan-mnist-dcgan                            # 10,000-image metrics
"""

import sys

from classicnets.cli import main

if __name__ == "__main__":
    sys.exit(main(["train", "gan-mnist", *sys.argv[1:]]))
