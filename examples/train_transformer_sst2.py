"""Train a Transformer encoder on SST-2 from scratch: a thin wrapper over `classicnets train transformer-sst2`.

    python examples/train_transformer_sst2.py examples/transformer_sst2.yaml          # the 20-minute reference run
    python examples/train_transformer_sst2.py --max_time 3 --output_dir outputs/sst2-quick
    accelerate launch examples/train_transformer_sst2.py examples/transformer_sst2.yaml   # several processes

Then:

    import classicnets
    from transformers import pipeline
    pipeline("text-classification", model="outputs/transformer-sst2")("a gripping, beautifully acted film")
"""

import sys

from classicnets.cli import main

if __name__ == "__main__":
    sys.exit(main(["train", "transformer-sst2", *sys.argv[1:]]))
