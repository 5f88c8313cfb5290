"""A model folder that cannot load says which file or which model type, and what to do about it."""

import re

import pytest

from classicnets.errors import CheckpointError, as_user_error, safetensors_problem


def _load_error(folder) -> BaseException:
    from transformers import AutoModelForCausalLM

    with pytest.raises(Exception) as info:
        AutoModelForCausalLM.from_pretrained(folder)
    return info.value


@pytest.mark.parametrize(("keep", "problem"), [
    (0.5, r"the file is truncated: [\d,]+ of its [\d,]+ bytes"),
    (0.0, r"the file is empty \(0 bytes\)"),
    (5, r"too short even for the 8-byte header length"),
])
def test_truncated_safetensors_names_the_file_and_the_fix(char_lstm_checkpoint, keep, problem):
    weights = char_lstm_checkpoint / "model.safetensors"
    data = weights.read_bytes()
    weights.write_bytes(data[: int(len(data) * keep) if isinstance(keep, float) else keep])
    error = as_user_error(_load_error(char_lstm_checkpoint))
    assert isinstance(error, CheckpointError)
    assert str(error).startswith(f"{weights}: ")
    assert re.search(problem, str(error)), str(error)
    assert "Save the model again" in str(error) and "download it again" in str(error)


def test_an_intact_file_has_no_problem(char_lstm_checkpoint):
    assert safetensors_problem(char_lstm_checkpoint / "model.safetensors") is None


def test_wrong_model_type_names_the_type_found_and_the_class_asked(char_lstm_checkpoint):
    from classicnets.models.transformer import TransformerForSequenceClassification

    with pytest.raises(CheckpointError, match=r"holds a model of type 'char_lstm', not 'classic_transformer' as "
                                              r"TransformerForSequenceClassification needs: load it with .*"
                                              r"CharLSTMForCausalLM") as info:
        TransformerForSequenceClassification.from_pretrained(char_lstm_checkpoint)
    assert str(info.value).startswith(str(char_lstm_checkpoint))
    assert isinstance(info.value, ValueError)  # what callers caught before


def test_wrong_model_type_through_init_from_is_one_line(console, char_lstm_checkpoint, gapped_labels, tmp_path,
                                                        fresh_accelerate_state):
    train, valid = gapped_labels
    code, err = console("train", "transformer-sst2", "--preset", "tiny", "--train_file", str(valid),
                        "--validation_file", str(valid), "--init_from", str(char_lstm_checkpoint),
                        "--output_dir", str(tmp_path / "run"), "--disable_tqdm")
    assert code == 1
    assert err.strip().splitlines()[-1] == (
        f"classicnets train: error: {char_lstm_checkpoint} holds a model of type 'char_lstm', not "
        "'classic_transformer' as TransformerForSequenceClassification needs: load it with CharLSTMModel or "
        "CharLSTMForCausalLM (or its Auto class), or point at a classic_transformer checkpoint.")
