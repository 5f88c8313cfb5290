import pytest
from datasets import Dataset

from classicnets.data import DatasetNotFoundError, load_hub_dataset, require_columns, resolve_dataset_path


def test_mirror_env_maps_hub_ids_to_folders(tmp_path, monkeypatch):
    (tmp_path / "karpathy" / "tiny_shakespeare").mkdir(parents=True)
    monkeypatch.setenv("CLASSICNETS_DATA_MIRROR", str(tmp_path))
    assert resolve_dataset_path("karpathy/tiny_shakespeare") == str(tmp_path / "karpathy" / "tiny_shakespeare")
    assert resolve_dataset_path(str(tmp_path)) == str(tmp_path)  # a local folder stays as it is


def test_mirror_keeps_the_namespace(tmp_path, monkeypatch):
    """Two Hub ids never share one copy: someone-else/mnist is not ylecun/mnist (nor a bare `mnist` folder)."""
    (tmp_path / "ylecun" / "mnist").mkdir(parents=True)
    (tmp_path / "mnist").mkdir()
    monkeypatch.setenv("CLASSICNETS_DATA_MIRROR", str(tmp_path))
    assert resolve_dataset_path("ylecun/mnist") == str(tmp_path / "ylecun" / "mnist")
    assert resolve_dataset_path("someone-else/mnist") == "someone-else/mnist"  # left to the Hub
    assert resolve_dataset_path("mnist") == str(tmp_path / "mnist")
    assert resolve_dataset_path("../etc") == "../etc"  # an id cannot climb out of the mirror


def test_mirror_follows_links_kept_as_text_files(tmp_path, monkeypatch):
    """A copy of the mirror made without symbolic links holds `org/name` as a file naming `../name`."""
    (tmp_path / "mnist").mkdir()
    (tmp_path / "ylecun").mkdir()
    (tmp_path / "ylecun" / "mnist").write_text("../mnist")
    (tmp_path / "evil").mkdir()
    (tmp_path / "evil" / "mnist").write_text("../../")  # outside the mirror: not followed
    monkeypatch.setenv("CLASSICNETS_DATA_MIRROR", str(tmp_path))
    assert resolve_dataset_path("ylecun/mnist") == str((tmp_path / "mnist").resolve())
    assert resolve_dataset_path("evil/mnist") == "evil/mnist"


def test_missing_dataset_names_the_hub_and_the_mirror_folder(tmp_path, monkeypatch):
    (tmp_path / "ylecun" / "mnist").mkdir(parents=True)
    monkeypatch.setenv("CLASSICNETS_DATA_MIRROR", str(tmp_path))
    import datasets.config
    import huggingface_hub.constants

    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(DatasetNotFoundError) as err:
        load_hub_dataset("someone-else/mnist")
    assert huggingface_hub.constants.ENDPOINT in str(err.value)
    assert str(tmp_path / "someone-else" / "mnist") in str(err.value)


def test_missing_dataset_without_hub_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("CLASSICNETS_DATA_MIRROR", str(tmp_path))
    import datasets.config
    import huggingface_hub.constants

    # Offline, as on this project's machines, but without waiting for DNS time-outs.
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(DatasetNotFoundError, match="no local copy.*CLASSICNETS_DATA_MIRROR=<folder>"):
        load_hub_dataset("nobody/no_such_dataset")


def test_wrong_column_names_the_columns_it_has():
    ds = Dataset.from_dict({"content": ["a"], "idx": [0]})
    with pytest.raises(ValueError, match=r"needs column\(s\) \['text'\].*\['content', 'idx'\]"):
        require_columns(ds, ["text"], "char-lstm")


def test_shared_tiny_shakespeare_loads_like_the_hub(shared_data, monkeypatch):
    monkeypatch.setenv("CLASSICNETS_DATA_MIRROR", str(shared_data))
    splits = load_hub_dataset("karpathy/tiny_shakespeare")
    assert {k: len(v[0]["text"]) for k, v in splits.items()} == {"train": 1003854, "validation": 55770, "test": 55770}
