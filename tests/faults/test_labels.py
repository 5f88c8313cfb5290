"""SST-2 labels outside 0..K-1 are refused with the labels found and the option that fixes it, instead of
silently training a classifier with classes nobody asked for."""

import pytest

from classicnets.errors import DataError


def _argv(train, valid, out, *extra):
    return ["train", "transformer-sst2", "--preset", "tiny", "--train_file", str(train),
            "--validation_file", str(valid),
            "--output_dir", str(out), "--max_steps", "1", "--vocab_size", "60", "--min_frequency", "1",
            "--disable_tqdm", "--per_device_train_batch_size", "4", *extra]


def test_a_gap_in_the_labels_is_refused_with_the_labels_and_the_fix(gapped_labels, tmp_path, fresh_accelerate_state):
    from classicnets.cli import main

    with pytest.raises(DataError, match=r"Split 'train' has labels \[0, 1, 6\] in column 'label'.*\[2, 3, 4, 5\] never "
                                        r"occur.*7-class model.*--label_column.*--num_labels 7"):
        main(_argv(*gapped_labels, tmp_path / "run"))


def test_num_labels_too_small_names_the_labels_outside(gapped_labels, tmp_path, fresh_accelerate_state):
    from classicnets.cli import main

    with pytest.raises(DataError,
                       match=r"Split 'train' has labels \[6\] outside 0\.\.1 in column 'label'.*--num_labels"):
        main(_argv(*gapped_labels, tmp_path / "run", "--num_labels", "2"))


def test_num_labels_makes_the_gap_deliberate(gapped_labels, tmp_path, fresh_accelerate_state):
    import json

    from classicnets.cli import main

    assert main(_argv(*gapped_labels, tmp_path / "run", "--num_labels", "7")) == 0
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert len(config["id2label"]) == 7
