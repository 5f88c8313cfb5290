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


# --- tokenizer files: validated on load, named when bad (generate, classify, demo) ----------------------------


@pytest.fixture
def sst2_checkpoint(tmp_path):
    """A tiny saved Transformer classifier with its WordPiece tokenizer (tokenizer.json)."""
    from classicnets.models.registry import register_all
    from classicnets.models.transformer import (
        TransformerConfig,
        TransformerForSequenceClassification,
        train_sst2_tokenizer,
    )

    register_all()
    folder = tmp_path / "sst2"
    tokenizer = train_sst2_tokenizer(["a fine film .", "a dull film .", "so so ."] * 4, vocab_size=60,
                                     min_frequency=1, model_max_length=16)
    config = TransformerConfig.from_preset("tiny", vocab_size=len(tokenizer), max_position_embeddings=16,
                                           decoder_layers=0, pad_token_id=tokenizer.pad_token_id)
    TransformerForSequenceClassification(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def _load(folder, family):
    from classicnets.demos.loader import load_checkpoint, resolve_checkpoint

    return load_checkpoint(resolve_checkpoint(folder), family)


def _truncate(file):
    file.write_bytes(file.read_bytes()[: file.stat().st_size // 2])


@pytest.mark.parametrize(("damage", "message"), [
    (_truncate, r"^{file} is truncated or corrupt, the tokenizer cannot be loaded \(.* line \d+ column \d+ .*\)\. "
                r"Copy the tokenizer files"),
    (lambda f: f.write_text('{"version": "1.0", "model": {"type": "Nope"}}'),
     r"^{file} is truncated or corrupt, the tokenizer cannot be loaded \((KeyError|tokenizers): .*\)\. Copy"),
    (lambda f: f.write_text('{"version": "1.0", "added_tokens": [], "model": {"type": "Nope"}}'),
     r"^{file} is truncated or corrupt, the tokenizer cannot be loaded \(tokenizers: data did not match any variant"),
    (lambda f: f.unlink(), r"^{folder} has a model but no tokenizer.json: its tokenizer cannot be loaded\. Copy"),
])
def test_a_bad_tokenizer_json_is_a_checkpoint_error_naming_it(sst2_checkpoint, damage, message):
    file = sst2_checkpoint / "tokenizer.json"
    model, tokenizer = _load(sst2_checkpoint, "transformer-sst2")  # intact: loads
    assert tokenizer("a fine film .")["input_ids"][0] == tokenizer.cls_token_id
    damage(file)
    with pytest.raises(CheckpointError, match=message.format(file=re.escape(str(file)),
                                                             folder=re.escape(str(sst2_checkpoint)))):
        _load(sst2_checkpoint, "transformer-sst2")


@pytest.mark.parametrize(("text", "message"), [
    ('{"a": ', r"^{file} is not a UTF-8 JSON file \(.*\)\. Re-save the tokenizer"),
    ("[1, 2]", r"^Invalid vocabulary file {file}: expected a JSON object"),
    (None, r"^{folder} has a model but no vocab.json: its tokenizer cannot be loaded\."),
])
def test_a_bad_vocab_json_is_a_checkpoint_error_naming_it(char_lstm_checkpoint, text, message):
    file = char_lstm_checkpoint / "vocab.json"
    file.unlink() if text is None else file.write_text(text)
    with pytest.raises(CheckpointError, match=message.format(file=re.escape(str(file)),
                                                             folder=re.escape(str(char_lstm_checkpoint)))):
        _load(char_lstm_checkpoint, "char-lstm")


def test_bad_tokenizer_files_are_one_line_in_generate_and_classify(console, char_lstm_checkpoint, sst2_checkpoint):
    (char_lstm_checkpoint / "vocab.json").write_text('{"a": ')
    code, err = console("generate", str(char_lstm_checkpoint), "--max_new_tokens", "3")
    assert code == 1
    line, = err.strip().splitlines()
    assert line.startswith(f"classicnets generate: error: {char_lstm_checkpoint / 'vocab.json'} is not a UTF-8 JSON")
    _truncate(sst2_checkpoint / "tokenizer.json")
    code, err = console("classify", str(sst2_checkpoint), "a fine film .")
    assert code == 1
    line, = err.strip().splitlines()
    assert line.startswith(f"classicnets classify: error: {sst2_checkpoint / 'tokenizer.json'} is truncated or "
                           "corrupt, the tokenizer cannot be loaded (")
