import contextlib

import pytest

from ..commands.conftest import char_lstm_dir, gan_conditional_dir, gan_dir, sst2_dir  # noqa: F401  (fixtures)
from .browser import launched_browser


@pytest.fixture(scope="package")
def browser():
    """Headless Chromium driven by Playwright; the tests that need it skip, saying why, when it cannot start.
    Closed when tests/demos is done: its renderers would otherwise use CPU for the rest of the suite."""
    with contextlib.ExitStack() as stack:
        try:
            chromium = stack.enter_context(launched_browser())
        except RuntimeError as err:
            pytest.skip(f"browser tests need Chromium: {err}")
        yield chromium
