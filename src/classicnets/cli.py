"""The `classicnets` console script: see `classicnets.commands` (one module a command)."""

import sys

from .commands import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
