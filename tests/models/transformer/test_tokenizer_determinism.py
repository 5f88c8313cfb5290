"""The trained WordPiece vocabulary is the same every time on the same text. `tokenizers` numbers its pieces in
hash-map order and breaks ties between equal merge counts by those numbers (huggingface/tokenizers#1794): two
runs of the SST-2 reference had 318 of 8,000 ids moved, and 2 runs in 12 even learned other pieces."""

import random

import pytest
from tokenizers import Tokenizer, normalizers, pre_tokenizers
from tokenizers.models import WordPiece
from tokenizers.trainers import WordPieceTrainer

from classicnets.models.transformer.tokenization_transformer import (
    SPECIAL_TOKENS,
    _with_canonical_ids,
    train_sst2_tokenizer,
)

WORDS = ["film", "films", "filmed", "gripping", "grip", "dull", "dully", "acted", "acting", "actor", "beautiful",
         "beautifully", "lifeless", "life", "script", "scripted", "unbelievable", "believe", "an"]


def _corpus(seed: int) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 12))) + rng.choice(".!?,") for _ in range(400)]


def _wordpiece(order: list[str]) -> Tokenizer:
    return Tokenizer(WordPiece({piece: i for i, piece in enumerate(order)}, unk_token="[UNK]"))


def test_the_ids_depend_only_on_the_set_of_pieces():
    pieces = ["act", "##ed", "##ing", "film", "##s", "a", "c", "t", "##d", "##e", "!", "dull", "##ly"]
    shuffled = [random.Random(seed).sample(pieces, len(pieces)) for seed in range(5)]
    vocabularies = [_with_canonical_ids(_wordpiece([*SPECIAL_TOKENS, *order])).get_vocab() for order in shuffled]
    assert all(v == vocabularies[0] for v in vocabularies)
    ordered = sorted(vocabularies[0], key=vocabularies[0].get)
    assert ordered == [*SPECIAL_TOKENS, "!", "a", "c", "t", "##d", "##e", "##s",  # characters, then ##characters
                       "act", "dull", "film", "##ed", "##ing", "##ly"]  # then longer pieces, sorted


def test_the_same_text_gives_the_same_vocabulary():
    texts = _corpus(0)  # many ties: before, 6 runs gave several sets of pieces
    vocabularies = [train_sst2_tokenizer(texts, vocab_size=5000, min_frequency=1).get_vocab() for _ in range(6)]
    assert all(v == vocabularies[0] for v in vocabularies)
    tokenizer = train_sst2_tokenizer(texts, vocab_size=5000, min_frequency=1)
    assert tokenizer.all_special_tokens == ["[UNK]", "[SEP]", "[PAD]", "[CLS]", "[MASK]"]  # not the ##c pieces
    # "##e" typed in a text is punctuation and a letter, not the piece: no "#" in this corpus, so [UNK]s
    assert tokenizer.tokenize("an ##e film") == ["an", "[UNK]", "[UNK]", "e", "film"]


@pytest.mark.data
@pytest.mark.slow
def test_sst2_vocabulary_is_the_same_every_time(shared_data):
    from datasets import load_dataset

    files = sorted((shared_data / "sst2").rglob("train-*.parquet"))
    texts = load_dataset("parquet", data_files=[str(f) for f in files], split="train")["sentence"]
    vocabularies = [train_sst2_tokenizer(texts).get_vocab() for _ in range(3)]
    assert len(vocabularies[0]) == 8000 and all(v == vocabularies[0] for v in vocabularies)


def test_renumbering_changes_no_encoding():
    raw = Tokenizer(WordPiece(unk_token="[UNK]"))
    raw.normalizer = normalizers.BertNormalizer(lowercase=True)
    raw.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    raw.train_from_iterator(_corpus(1), WordPieceTrainer(vocab_size=60, special_tokens=SPECIAL_TOKENS))
    canonical = _with_canonical_ids(raw)
    assert set(canonical.get_vocab()) == set(raw.get_vocab())
    for text in ["An unbelievably gripping, beautifully acted film!", "dull script; lifeless actors?", "zebra"]:
        assert canonical.encode(text).tokens == raw.encode(text).tokens
