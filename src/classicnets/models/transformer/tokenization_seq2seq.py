"""A tokenizer for both sides of a sequence-to-sequence task, trained with the `tokenizers` library.

One vocabulary for source and target (so that [`TransformerForSeq2SeqLM`] may share one embedding matrix between
encoder, decoder and output layer), saved as a plain fast tokenizer (`tokenizer.json`, no classicnets code needed
to load it). Two kinds:

- `"char"`: every character is a token (a word-level model over single characters); decoding joins them back, so
  the text comes back exactly, spaces and case included. Suits short texts and edits within a text (punctuation,
  spelling).
- `"bpe"`: byte-level BPE (GPT-2's scheme): any text encodes without unknown tokens and decodes back exactly;
  sequences are several times shorter than in characters. Suits translation.

Special tokens `[PAD]`=0, `[UNK]`=1, `[BOS]`=2 (the decoder's start token), `[EOS]`=3; every encoding ends with
`[EOS]` (the target's last label, so the model learns where to stop).
"""

from collections.abc import Iterable

from tokenizers import Regex, Tokenizer, decoders, pre_tokenizers, processors
from tokenizers.models import BPE, WordLevel
from tokenizers.trainers import BpeTrainer, WordLevelTrainer
from transformers import PreTrainedTokenizerFast

SEQ2SEQ_SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[BOS]", "[EOS]"]  # ids 0..3, in this order
TOKENIZER_TYPES = ("char", "bpe")


def train_seq2seq_tokenizer(
    texts: Iterable[str],
    tokenizer_type: str = "char",
    vocab_size: int = 8000,
    min_frequency: int = 1,
    model_max_length: int = 128,
) -> PreTrainedTokenizerFast:
    """
    Train a character or byte-level BPE vocabulary on `texts` (give it sources and targets alike).

    Args:
        texts: Strings.
        tokenizer_type: `"char"` or `"bpe"`.
        vocab_size: Upper bound on the vocabulary, special tokens included (a character vocabulary keeps its
            `vocab_size - 4` most frequent characters; rarer ones become `[UNK]`).
        min_frequency: Minimum count of a character (char) or of a merged pair (bpe).
        model_max_length: Longest encoding, `[EOS]` included; set it to the model's `max_position_embeddings`.
    """
    if tokenizer_type not in TOKENIZER_TYPES:
        raise ValueError(f"tokenizer_type must be one of {TOKENIZER_TYPES}, got {tokenizer_type!r}.")
    texts = [t for t in texts if isinstance(t, str)]
    if not any(t.strip() for t in texts):
        raise ValueError("train_seq2seq_tokenizer needs at least one non-empty text.")
    if vocab_size <= len(SEQ2SEQ_SPECIAL_TOKENS):
        raise ValueError(f"vocab_size must exceed the {len(SEQ2SEQ_SPECIAL_TOKENS)} special tokens, got {vocab_size}.")
    if tokenizer_type == "char":
        tokenizer = Tokenizer(WordLevel(unk_token="[UNK]"))
        tokenizer.pre_tokenizer = pre_tokenizers.Split(Regex(r"[\s\S]"), behavior="isolated")  # one token a character
        tokenizer.decoder = decoders.Fuse()  # join the characters back, adding nothing between them
        trainer = WordLevelTrainer(vocab_size=vocab_size, min_frequency=min_frequency,
                                   special_tokens=SEQ2SEQ_SPECIAL_TOKENS)
    else:
        tokenizer = Tokenizer(BPE())
        tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        tokenizer.decoder = decoders.ByteLevel()
        trainer = BpeTrainer(vocab_size=vocab_size, min_frequency=min_frequency, special_tokens=SEQ2SEQ_SPECIAL_TOKENS,
                             initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tokenizer.train_from_iterator(texts, trainer=trainer)
    eos_id = tokenizer.token_to_id("[EOS]")
    tokenizer.post_processor = processors.TemplateProcessing(single="$A [EOS]", pair="$A [EOS] $B:1 [EOS]:1",
                                                             special_tokens=[("[EOS]", eos_id)])
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        pad_token="[PAD]",
        unk_token="[UNK]",
        bos_token="[BOS]",
        eos_token="[EOS]",
        model_max_length=model_max_length,
        padding_side="right",
        truncation_side="right",
        model_input_names=["input_ids", "attention_mask"],
        clean_up_tokenization_spaces=False,
    )


__all__ = ["SEQ2SEQ_SPECIAL_TOKENS", "TOKENIZER_TYPES", "train_seq2seq_tokenizer"]
