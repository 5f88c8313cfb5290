"""Register the model families with the transformers Auto classes when transformers is imported.

Importing torch and transformers takes seconds; the command line needs neither to print its help. So `import
classicnets` does not import them: if transformers is already imported it registers at once, otherwise it puts a
finder on `sys.meta_path` that, when `transformers` itself is imported (by anyone), registers right after the
package has loaded. Auto classes cannot be used before `import transformers`, so no user can see the difference.
"""

import importlib.abc
import importlib.util
import sys
import warnings


def _register(*, models_complete: bool = False) -> None:
    models = sys.modules.get("classicnets.models")
    if not models_complete and models is not None and getattr(models.__spec__, "_initializing", False):
        return  # transformers was imported by a family mid-import: classicnets.models registers on its last line
    from .models.registry import register_all

    try:
        register_all()
    except Exception as err:  # noqa: BLE001  (transformers itself must still import)
        warnings.warn(f"classicnets could not register its models with the transformers Auto classes: {err!r}",
                      stacklevel=2)


class _AfterTransformersImport(importlib.abc.MetaPathFinder):
    """Finds nothing itself: wraps the loader of the `transformers` package so that registration follows it."""

    def find_spec(self, fullname, path, target=None):
        if fullname != "transformers":
            return None
        cancel()  # one shot; also keeps the look-up below from finding this finder again
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        load = spec.loader.exec_module

        def exec_module(module):
            load(module)
            _register()

        spec.loader.exec_module = exec_module  # this spec's own loader object: nothing else is touched
        return spec


_FINDER = _AfterTransformersImport()


def register_when_transformers_loads() -> None:
    if "transformers" in sys.modules:
        _register()
    elif _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)


def register_if_transformers_loaded() -> None:
    """The last line of `classicnets.models`: every family is complete, register them if transformers is there."""
    if "transformers" in sys.modules:
        _register(models_complete=True)


def cancel() -> None:
    """Drop the pending registration (the command line registers explicitly where a command needs it)."""
    if _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
