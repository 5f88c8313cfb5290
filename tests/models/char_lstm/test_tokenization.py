import numpy as np
import pytest
from transformers import AutoTokenizer

import classicnets  # noqa: F401  (registers the Auto classes)
from classicnets import CharTokenizer

from .conftest import CORPUS


def test_round_trip_any_unicode(tokenizer):
    ids = tokenizer.encode(CORPUS)
    assert len(ids) == len(CORPUS)  # one token per code point, no special tokens added
    assert tokenizer.decode(ids) == CORPUS


def test_special_token_text_is_plain_characters():
    tok = CharTokenizer.from_corpus("a <eos> b <pad>")
    text = "<eos><pad> a"
    assert tok.decode(tok.encode(text)) == text
    assert tok.eos_token_id not in tok.encode(text)


def test_unknown_characters_map_to_unk(tokenizer):
    ids = tokenizer.encode("toZ")  # 'Z' never occurs in the corpus
    assert ids[-1] == tokenizer.unk_token_id
    assert tokenizer.decode(ids) == "to<unk>"


def test_vectorised_corpus_encoding_matches_encode(tokenizer):
    text = CORPUS * 3 + "Z"
    fast = tokenizer.encode_corpus(text)
    assert fast.dtype == np.int64
    assert fast.tolist() == tokenizer.encode(text)


def test_from_file_and_dataset_column(tmp_path):
    from datasets import Dataset

    path = tmp_path / "corpus.txt"
    path.write_text(CORPUS, encoding="utf-8")
    from_file = CharTokenizer.from_corpus(str(path))
    from_column = CharTokenizer.from_corpus(Dataset.from_dict({"text": CORPUS.splitlines(keepends=True)})["text"])
    assert from_file.get_vocab() == from_column.get_vocab() == CharTokenizer.from_corpus(CORPUS).get_vocab()


def test_save_and_auto_load(tokenizer, tmp_path):
    tokenizer.save_pretrained(tmp_path)
    loaded = AutoTokenizer.from_pretrained(tmp_path)
    assert isinstance(loaded, CharTokenizer)
    assert loaded.get_vocab() == tokenizer.get_vocab()
    assert loaded.encode(CORPUS) == tokenizer.encode(CORPUS)
    assert loaded.padding_side == "left"


def test_empty_corpus_is_refused():
    with pytest.raises(ValueError, match="empty"):
        CharTokenizer.from_corpus("")


def test_batch_left_padding(tokenizer):
    batch = tokenizer(["to", "to be"], padding=True, return_tensors="pt")
    assert batch["input_ids"][0, :3].tolist() == [tokenizer.pad_token_id] * 3
    assert batch["attention_mask"][0].tolist() == [0, 0, 0, 1, 1]
