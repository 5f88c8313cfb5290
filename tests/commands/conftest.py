import pytest

from .checkpoints import char_lstm_checkpoint, gan_checkpoint, sst2_checkpoint


def built_once(tmp_path_factory, name, build):
    """One folder per session for each checkpoint, whichever test folder (commands, demos) asks first."""
    folder = tmp_path_factory.getbasetemp() / "checkpoints" / name
    if not (folder / "config.json").exists():
        folder.mkdir(parents=True, exist_ok=True)
        build(folder)
    return folder


@pytest.fixture(scope="session")
def char_lstm_dir(tmp_path_factory):
    return built_once(tmp_path_factory, "char-lstm", char_lstm_checkpoint)


@pytest.fixture(scope="session")
def sst2_dir(tmp_path_factory):
    return built_once(tmp_path_factory, "sst2", sst2_checkpoint)


@pytest.fixture(scope="session")
def gan_dir(tmp_path_factory):
    return built_once(tmp_path_factory, "gan", gan_checkpoint)


@pytest.fixture(scope="session")
def gan_conditional_dir(tmp_path_factory):
    return built_once(tmp_path_factory, "gan-conditional", lambda f: gan_checkpoint(f, conditional=True))
