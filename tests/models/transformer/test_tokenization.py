import pytest
from transformers import AutoTokenizer

import classicnets  # noqa: F401
from classicnets import train_sst2_tokenizer

from .conftest import MAX_LEN, SENTENCES


def test_special_tokens_and_template(tokenizer):
    assert tokenizer.convert_tokens_to_ids(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]) == [0, 1, 2, 3, 4]
    assert (tokenizer.pad_token_id, tokenizer.cls_token_id, tokenizer.sep_token_id) == (0, 2, 3)
    tokens = tokenizer.convert_ids_to_tokens(tokenizer("A Gripping Film .").input_ids)
    assert tokens == ["[CLS]", "a", "gripping", "film", ".", "[SEP]"]  # lower-cased, wrapped


def test_unknown_words_and_empty_text(tokenizer):
    ids = tokenizer("zzzqqq").input_ids
    assert ids[0] == tokenizer.cls_token_id and ids[-1] == tokenizer.sep_token_id
    assert tokenizer.unk_token_id in ids or len(ids) > 3  # unseen letters: [UNK] or word pieces
    assert tokenizer("").input_ids == [tokenizer.cls_token_id, tokenizer.sep_token_id]


def test_truncation_on_request_keeps_cls_and_sep(tokenizer):
    long = " ".join(SENTENCES * 3)
    assert len(tokenizer(long).input_ids) > MAX_LEN  # no truncation unless asked (transformers' behaviour)
    ids = tokenizer(long, truncation=True).input_ids
    assert len(ids) == MAX_LEN == tokenizer.model_max_length
    assert ids[0] == tokenizer.cls_token_id and ids[-1] == tokenizer.sep_token_id
    assert ids[1:4] == tokenizer(SENTENCES[0]).input_ids[1:4]  # the right side was cut


def test_dynamic_padding_on_the_right(tokenizer):
    batch = tokenizer(["dull .", SENTENCES[0]], padding=True)
    assert len(batch.input_ids[0]) == len(batch.input_ids[1]) == len(tokenizer(SENTENCES[0]).input_ids)
    assert batch.input_ids[0][-1] == tokenizer.pad_token_id and batch.attention_mask[0][-1] == 0


def test_saved_tokenizer_loads_with_auto_tokenizer(tokenizer, tmp_path):
    tokenizer.save_pretrained(tmp_path)
    assert (tmp_path / "tokenizer.json").is_file()
    loaded = AutoTokenizer.from_pretrained(tmp_path)
    assert loaded.is_fast
    assert loaded.model_max_length == MAX_LEN and loaded.truncation_side == "right"
    assert loaded.padding_side == "right"
    for text in SENTENCES:
        assert loaded(text).input_ids == tokenizer(text).input_ids
    assert loaded.decode(loaded(SENTENCES[0]).input_ids, skip_special_tokens=True) == (
        SENTENCES[0].replace(" ,", ",").replace(" .", "."))


def test_vocab_size_bound_and_bad_inputs():
    tok = train_sst2_tokenizer(SENTENCES, vocab_size=60, min_frequency=1)
    assert len(tok) <= 60
    with pytest.raises(TypeError, match="expects strings"):
        train_sst2_tokenizer(["fine", 3])
    with pytest.raises(ValueError, match="non-empty"):
        train_sst2_tokenizer(["", "  "])
    with pytest.raises(ValueError, match="vocab_size"):
        train_sst2_tokenizer(SENTENCES, vocab_size=5)


def test_dataset_input_checks_columns():
    from datasets import Dataset

    data = Dataset.from_dict({"sentence": SENTENCES, "label": [1, 0, 1, 0, 1, 0, 1, 0]})
    tok = train_sst2_tokenizer(data, vocab_size=100, min_frequency=1)
    assert tok("dull").input_ids[1] != tok.unk_token_id
    with pytest.raises(ValueError, match=r"needs column\(s\) \['sentence'\]"):
        train_sst2_tokenizer(data.rename_column("sentence", "text"), vocab_size=100)


@pytest.mark.data
def test_sst2_tokenizer_on_the_real_data(shared_data):
    from classicnets.data import load_hub_dataset, require_columns

    if not (shared_data / "sst2").is_dir():
        pytest.skip("SST-2 not in the shared data folder")
    train = load_hub_dataset("stanfordnlp/sst2", split="train").select(range(5000))
    require_columns(train, ["sentence", "label"], "transformer-sst2")
    tok = train_sst2_tokenizer(train, vocab_size=2000, model_max_length=128)
    assert 1000 < len(tok) <= 2000
    lengths = [len(ids) for ids in tok(train["sentence"][:500]).input_ids]
    assert max(lengths) <= 128  # SST-2 sentences fit the sst2 preset's 128 positions
    unk = sum(ids.count(tok.unk_token_id) for ids in tok(train["sentence"][:500]).input_ids)
    assert unk / sum(lengths) < 0.01
