"""A WordPiece tokenizer for SST-2-style sentence classification, trained with the `tokenizers` library.

The result is a plain fast tokenizer saved as `tokenizer.json`: `AutoTokenizer.from_pretrained(dir)` loads it
with no classicnets code. Lower-cased BERT-style normalisation and pre-tokenisation, special tokens
`[PAD]`=0, `[UNK]`=1, `[CLS]`=2, `[SEP]`=3, `[MASK]`=4, and every sequence wrapped as `[CLS] ... [SEP]`.

Truncation: `model_max_length` is the model's `max_position_embeddings` and `truncation_side` is "right", but
transformers only truncates when asked: `tokenizer(texts, truncation=True)`, or
`pipeline("text-classification", model=dir, truncation=True)` (see `text_classification_pipeline`, which does
that for you). Without it a too-long input reaches the model, which raises a ValueError naming both lengths.
"""

import json
from collections.abc import Iterable

from tokenizers import Tokenizer, decoders, normalizers, pre_tokenizers, processors
from tokenizers.models import WordPiece
from tokenizers.trainers import WordPieceTrainer
from transformers import PreTrainedTokenizerFast

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]  # ids 0..4, in this order


def train_sst2_tokenizer(
    texts,
    vocab_size: int = 8000,
    min_frequency: int = 2,
    model_max_length: int = 128,
    lowercase: bool = True,
    text_column: str = "sentence",
) -> PreTrainedTokenizerFast:
    """
    Train a WordPiece vocabulary on `texts` and wrap it as a transformers fast tokenizer.

    Args:
        texts: An iterable of strings, or a `datasets.Dataset` with a `text_column` column.
        vocab_size: Upper bound on the vocabulary (special tokens included); small corpora give fewer.
        min_frequency: Minimum count of a merged piece.
        model_max_length: Longest encoding (in tokens, `[CLS]`/`[SEP]` included); set it to the model's
            `max_position_embeddings`.
        lowercase: Lower-case (and strip accents from) the text before splitting.
        text_column: Column read when `texts` is a dataset.
    """
    if hasattr(texts, "column_names"):  # a datasets.Dataset
        from ...data import require_columns

        require_columns(texts, [text_column], "train_sst2_tokenizer")
        texts = texts[text_column]
    texts = [texts] if isinstance(texts, str) else list(_checked(texts))
    if not any(t.strip() for t in texts):
        raise ValueError("train_sst2_tokenizer needs at least one non-empty text.")
    if vocab_size <= len(SPECIAL_TOKENS):
        raise ValueError(f"vocab_size must exceed the {len(SPECIAL_TOKENS)} special tokens, got {vocab_size}.")

    tokenizer = Tokenizer(WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=lowercase, strip_accents=lowercase or None)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.decoder = decoders.WordPiece(prefix="##")
    # The trainer numbers the continuation pieces (`##e`) in hash-map order as it meets them and breaks ties
    # between equally frequent merges by those numbers, so the same text gave other vocabularies from run to run
    # (huggingface/tokenizers#1794). Declared up front (as special tokens: the only way in) they have fixed
    # numbers, and the merges are the same every time; they are ordinary pieces again once trained.
    continuations = _continuation_pieces(tokenizer, texts)
    trainer = WordPieceTrainer(vocab_size=vocab_size, min_frequency=min_frequency,
                               special_tokens=[*SPECIAL_TOKENS, *continuations])
    tokenizer.train_from_iterator(texts, trainer=trainer)
    tokenizer = _with_canonical_ids(tokenizer)
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        pad_token="[PAD]",
        unk_token="[UNK]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_max_length=model_max_length,
        padding_side="right",
        truncation_side="right",
        model_input_names=["input_ids", "attention_mask"],
        clean_up_tokenization_spaces=True,
    )


def text_classification_pipeline(model, tokenizer=None, truncation: bool = True, **kwargs):
    """
    `transformers.pipeline("text-classification", ...)` with `truncation=True` by default, so inputs longer than
    the tokenizer's `model_max_length` are cut on the right instead of raising in the model.
    `model` is a checkpoint folder, a Hub id or a model object.
    """
    from transformers import pipeline

    return pipeline("text-classification", model=model, tokenizer=tokenizer, truncation=truncation, **kwargs)


def _continuation_pieces(tokenizer: Tokenizer, texts: list[str]) -> list[str]:
    """`##c` for every character that follows another within a word, as the trainer splits the texts."""
    characters = set()
    for text in texts:
        for word, _ in tokenizer.pre_tokenizer.pre_tokenize_str(tokenizer.normalizer.normalize_str(text)):
            characters.update(word[1:])
    return sorted(f"##{c}" for c in characters)


def _with_canonical_ids(tokenizer: Tokenizer) -> Tokenizer:
    """The vocabulary with ids that depend on nothing but its pieces, and only `SPECIAL_TOKENS` special.

    The trainer numbers its pieces in hash-map order: the same pieces got other ids from run to run, hence other
    models. WordPiece encodes by longest match against the set, so renumbering changes no encoding: the special
    tokens keep 0..4, then single characters, continuation characters (`##c`) and longer pieces follow in
    sorted order. The continuation characters declared special for training become ordinary pieces again.
    """
    state = json.loads(tokenizer.to_str())
    state["added_tokens"] = [t for t in state["added_tokens"] if t["content"] in SPECIAL_TOKENS]
    for added in state["added_tokens"]:
        added["id"] = SPECIAL_TOKENS.index(added["content"])
    vocab = state["model"]["vocab"]
    prefix = state["model"]["continuing_subword_prefix"]
    pieces = sorted(set(vocab) - set(SPECIAL_TOKENS),
                    key=lambda p: (len(p.removeprefix(prefix)) > 1, p.startswith(prefix), p))
    state["model"]["vocab"] = {piece: i for i, piece in enumerate([*SPECIAL_TOKENS, *pieces])}
    return Tokenizer.from_str(json.dumps(state))


def _checked(texts: Iterable) -> Iterable[str]:
    for text in texts:
        if not isinstance(text, str):
            raise TypeError(f"train_sst2_tokenizer expects strings, got {type(text).__name__}.")
        yield text


__all__ = ["SPECIAL_TOKENS", "text_classification_pipeline", "train_sst2_tokenizer"]
