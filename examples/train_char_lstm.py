"""Train a char-LSTM with the library's engine: a thin wrapper over `classicnets train char-lstm`.

    python examples/train_char_lstm.py --max_time 2 --output_dir outputs/char-lstm
    accelerate launch examples/train_char_lstm.py --max_steps 500        # several processes: see README
"""

import sys

from classicnets.cli import main

if __name__ == "__main__":
    sys.exit(main(["train", "char-lstm", *sys.argv[1:]]))
