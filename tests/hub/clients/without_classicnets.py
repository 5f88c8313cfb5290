"""Run a script where `import classicnets` fails: `python without_classicnets.py SCRIPT ARGS...`.

classicnets is installed in editable mode (a .pth puts src/ on sys.path), so leaving it off PYTHONPATH is not
enough: drop every sys.path entry that holds a `classicnets` package and put an import blocker first on
sys.meta_path. Then check the block works before running the script.
"""

import importlib.abc
import os
import runpy
import sys


class BlockClassicnets(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "classicnets" or name.startswith("classicnets."):
            raise ImportError(f"{name} is hidden in this process (remote-code test)")
        return None


sys.path[:] = [p for p in sys.path if not os.path.isdir(os.path.join(p or ".", "classicnets"))]
sys.meta_path.insert(0, BlockClassicnets())
try:
    import classicnets  # noqa: F401
except ImportError:
    pass
else:
    raise SystemExit("classicnets is still importable: the remote-code test would prove nothing")

script = sys.argv[1]
sys.argv = sys.argv[1:]
sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
runpy.run_path(script, run_name="__main__")
