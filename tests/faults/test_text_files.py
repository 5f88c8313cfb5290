"""A --train_file in another encoding, or not text at all, is named with the byte where it fails (and --encoding
fixes the first), instead of a DatasetGenerationError with the decoding error buried in its chain."""

import pytest

from classicnets.errors import DataError
from classicnets.training.recipes.char_lstm import CharLSTMArguments, CharLSTMRecipe


def _splits(train, valid, **options):
    return CharLSTMRecipe(CharLSTMArguments(preset="tiny", train_file=str(train), validation_file=str(valid),
                                            **options))._load_splits()


def test_latin1_train_file_is_named_with_offset_and_the_fix(latin1_corpus):
    train, valid = latin1_corpus
    with pytest.raises(DataError, match=rf"--train_file {train} is not valid utf-8: byte 0xe9 at offset 10 \(line 1\)"
                                        r".*--encoding latin-1") as info:
        _splits(train, valid)
    assert info.value.exit_code == 1


def test_encoding_option_reads_the_latin1_file(latin1_corpus):
    train, valid = latin1_corpus
    splits = _splits(train, valid, encoding="latin-1")
    assert splits["train"]["text"][0].startswith("ROMEO: Café crème")


def test_binary_file_is_called_binary(tmp_path, latin1_corpus):
    binary = tmp_path / "weights.bin"
    binary.write_bytes(b"PK\x03\x04" + bytes(range(256)))
    with pytest.raises(DataError, match=rf"--train_file {binary} looks like a binary file.*NUL byte at offset 4"):
        _splits(binary, latin1_corpus[1], encoding="latin-1")  # latin-1 decodes any byte: the NUL still tells


def test_bad_validation_file_and_missing_file_are_named(tmp_path, latin1_corpus):
    train, _ = latin1_corpus
    with pytest.raises(DataError, match=r"--validation_file .*latin1.txt is not valid utf-8: byte 0xe9 at offset 10"):
        _splits(train.with_name("valid.txt"), train)
    with pytest.raises(DataError, match=r"--train_file .*nope.txt does not exist"):
        _splits(tmp_path / "nope.txt", train)


def test_offset_is_exact_across_read_chunks(tmp_path, monkeypatch):
    """A bad byte after a character cut in two by the chunk boundary is still placed exactly."""
    from classicnets.data import text_files

    monkeypatch.setattr(text_files, "CHUNK", 8)
    path = tmp_path / "t.txt"
    path.write_bytes("abcdefgé\nxyz".encode() + b"\xff")  # é: bytes 7-8, cut by the first chunk's end
    with pytest.raises(DataError, match=r"byte 0xff at offset 13 \(line 2\)"):
        text_files.check_text_file(str(path), "utf-8", "train_file")


# --- CSV/JSON data files of the transformer recipes (read by `datasets`, which reads UTF-8 only) --------------


def _sst2_argv(train, valid, out):
    return ["train", "transformer-sst2", "--preset", "tiny", "--train_file", str(train), "--validation_file",
            str(valid), "--output_dir", str(out), "--max_steps", "1", "--vocab_size", "60", "--min_frequency", "1",
            "--disable_tqdm"]


def test_latin1_csv_of_transformer_sst2_is_one_line_naming_the_byte_and_the_conversion(console, tmp_path,
                                                                                       fresh_accelerate_state):
    from .conftest import write_csv

    train = tmp_path / "latin1.csv"
    train.write_bytes("sentence,label\na fine film .,1\nun café crème .,0\n".encode("latin-1"))
    valid = write_csv(tmp_path / "valid.csv", [("good .", 0), ("bad .", 1)] * 4)
    code, err = console(*_sst2_argv(train, valid, tmp_path / "run"))
    assert code == 1
    line, = err.strip().splitlines()
    assert line == (f"classicnets train: error: --train_file {train} is not valid utf-8: byte 0xe9 at offset 37 "
                    "(line 3) cannot be decoded (invalid continuation byte). It is read as utf-8 only: convert it "
                    "(e.g. iconv -f latin-1 -t utf-8 IN > OUT; cp1252 for Windows text).")
    assert "--encoding" not in line  # transformer-sst2 has no such option


@pytest.mark.parametrize(("suffix", "text", "reason"), [
    (".csv", 'sentence,label\n"a fine film,1\nbad .,0\n', r"as CSV \(ParserError: .*EOF inside string"),
    (".jsonl", '{"sentence": "good .", "label": 0}\n{"sentence": \n', r"as JSON Lines \(ArrowInvalid: JSON parse "
                                                                      r"error"),
])
def test_a_data_file_the_parser_cannot_read_is_named_with_the_parsers_reason(tmp_path, suffix, text, reason):
    from classicnets.data import load_data_files

    good = tmp_path / f"good{suffix}"
    good.write_text('sentence,label\ngood .,0\n' if suffix == ".csv" else '{"sentence": "good .", "label": 0}\n')
    bad = tmp_path / f"bad{suffix}"
    bad.write_text(text)
    with pytest.raises(DataError, match=rf"^--validation_file {bad} cannot be read {reason}.*Repair the file"):
        load_data_files({"train": str(good), "validation": str(bad)}, {"train": "train_file",
                                                                       "validation": "validation_file"})


def test_a_binary_json_file_is_called_binary(tmp_path):
    from classicnets.data import load_data_files

    binary = tmp_path / "train.json"
    binary.write_bytes(b'{"a": 1}\x00\x01')
    with pytest.raises(DataError, match=rf"^{binary} looks like a binary file.*NUL byte at offset 8"):
        load_data_files({"train": str(binary)})
