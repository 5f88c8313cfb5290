"""CharTokenizer refuses on load a vocab.json that would not decode back to the text it encoded, naming
the file and the problem."""

import json
import re

import pytest
from transformers import AutoTokenizer

import classicnets  # noqa: F401  (registers the Auto classes)
from classicnets import CharTokenizer

GOOD = {"<pad>": 0, "<unk>": 1, "<bos>": 2, "<eos>": 3, "A": 4, "B": 5}


def saved_with_vocab(tmp_path, vocab) -> str:
    """A tokenizer folder saved by save_pretrained, whose vocab.json is then replaced by `vocab`."""
    CharTokenizer.from_corpus("AB").save_pretrained(tmp_path)
    text = vocab if isinstance(vocab, str) else json.dumps(vocab, ensure_ascii=False)
    (tmp_path / "vocab.json").write_text(text, encoding="utf-8")
    return str(tmp_path)


def test_valid_vocab_file_loads_and_round_trips(tmp_path):
    tok = AutoTokenizer.from_pretrained(saved_with_vocab(tmp_path, GOOD))
    assert tok.decode(tok.encode("ABBA")) == "ABBA"


@pytest.mark.parametrize(
    "vocab, problem",
    [
        ({**GOOD, "B": 4}, r"tokens \['A', 'B'\] share id 4"),  # decoded "AB" as "BB" before
        ({**GOOD, "B": 7}, r"ids must be exactly 0\.\.5 .* \[5\] are missing and \[7\] lie outside"),
        ({**GOOD, "B": -1}, r"\[-1\] lie outside"),
        ({**GOOD, "AB": 6}, r"entry 'AB' is neither a single character nor one of the special tokens"),
        ({**GOOD, "": 6}, "empty-string token"),
        ({**GOOD, "B": "5"}, r"the id of 'B' is '5', not an integer"),
        ({**GOOD, "B": 5.0}, r"the id of 'B' is 5\.0, not an integer"),
        ({**GOOD, "B": True}, r"the id of 'B' is True, not an integer"),
        (list(GOOD), "expected a JSON object mapping each token to its id, got a JSON list"),
        ({"<pad>": 0, "<bos>": 1, "<eos>": 2, "A": 3, "B": 4},  # no <unk>: the saved config's ids disagree
         r"gives id 1 to '<bos>', but tokenizer_config.json gives that id to the added token '<unk>'"),
        ('{"A": 0,', "is not a UTF-8 JSON file"),
    ],
)
def test_invalid_vocab_file_is_refused_on_load(tmp_path, vocab, problem):
    folder = saved_with_vocab(tmp_path, vocab)
    with pytest.raises(ValueError, match=problem) as info:
        AutoTokenizer.from_pretrained(folder)
    message = str(info.value)
    assert str(tmp_path / "vocab.json") in message  # names the file
    assert "save_pretrained" in message and "CharTokenizer.from_corpus" in message  # and the fix


def test_invalid_vocab_file_is_refused_when_built_directly(tmp_path):
    path = tmp_path / "vocab.json"
    path.write_text(json.dumps({**GOOD, "B": 4}), encoding="utf-8")
    with pytest.raises(ValueError, match="share id 4"):
        CharTokenizer(vocab_file=str(path))


def test_vocab_without_the_unknown_token_is_refused(tmp_path):
    path = tmp_path / "vocab.json"
    path.write_text(json.dumps({"<pad>": 0, "<bos>": 1, "<eos>": 2, "A": 3, "B": 4}), encoding="utf-8")
    with pytest.raises(ValueError, match=r"lacks the unk_token '<unk>'"):
        CharTokenizer(vocab_file=str(path))


def test_special_tokens_of_the_config_may_be_long(tmp_path):
    """A multi-character entry is fine when the tokenizer config names it as a special token."""
    folder = saved_with_vocab(tmp_path, {**GOOD, "<sep>": 6})
    config = json.loads((tmp_path / "tokenizer_config.json").read_text())
    config["extra_special_tokens"] = ["<sep>"]
    (tmp_path / "tokenizer_config.json").write_text(json.dumps(config))
    tok = AutoTokenizer.from_pretrained(folder)
    assert tok.convert_tokens_to_ids("<sep>") == 6


def test_missing_vocab_file_names_the_folder_and_the_fix(tmp_path):
    CharTokenizer.from_corpus("AB").save_pretrained(tmp_path)
    (tmp_path / "vocab.json").unlink()
    with pytest.raises(ValueError, match=re.escape(f"No vocab.json in the folder '{tmp_path}'")) as info:
        AutoTokenizer.from_pretrained(tmp_path)
    assert "save_pretrained" in str(info.value) and "CharTokenizer.from_corpus" in str(info.value)


def test_vocab_file_path_that_does_not_exist(tmp_path):
    missing = tmp_path / "nowhere" / "vocab.json"
    with pytest.raises(ValueError, match=re.escape(str(missing))):
        CharTokenizer(vocab_file=str(missing))


def test_vocab_file_and_characters_together_are_refused(tmp_path):
    path = tmp_path / "vocab.json"
    path.write_text(json.dumps(GOOD), encoding="utf-8")
    with pytest.raises(ValueError, match="not both"):
        CharTokenizer(vocab_file=str(path), characters="AB")


def test_neither_vocab_file_nor_characters_says_how_to_build_one():
    with pytest.raises(ValueError, match="CharTokenizer.from_corpus"):
        CharTokenizer()
