"""Configuration of the character-level LSTM language model."""

from transformers import PreTrainedConfig


class CharLSTMConfig(PreTrainedConfig):
    r"""
    Configuration of a [`CharLSTMForCausalLM`]: characters in, a stack of LSTM layers, next-character logits out.

    Args:
        vocab_size (`int`, defaults to 68):
            Number of tokens: every distinct character of the corpus plus the special tokens.
        embedding_size (`int` or `None`, defaults to 128):
            Size of the learned character embedding. `None` feeds one-hot vectors of size `vocab_size` straight
            into the first LSTM layer, as the tutorial does. The two are the same family of functions: an
            embedding lookup is one-hot times a matrix, and the first LSTM layer multiplies its input by `W_ih`
            anyway; one-hot simply skips the extra factorisation.
        hidden_size (`int`, defaults to 512): Units in each LSTM layer.
        num_layers (`int`, defaults to 3): Stacked LSTM layers (aliased as `num_hidden_layers`).
        dropout (`float`, defaults to 0.0): Dropout on the embedding, between LSTM layers and before the head.
        tie_word_embeddings (`bool`, defaults to `False`):
            Share the embedding matrix with the output head. Needs `embedding_size == hidden_size`.
        initializer_range (`float`, defaults to 0.1): Std of the embedding initialisation.
        bos_token_id, eos_token_id, pad_token_id, unk_token_id (`int`, *optional*): Special token ids.

    Example:

    ```python
    >>> from classicnets import CharLSTMConfig, CharLSTMForCausalLM
    >>> model = CharLSTMForCausalLM(CharLSTMConfig.from_preset("tutorial", vocab_size=65))
    ```
    """

    model_type = "char_lstm"
    attribute_map = {"num_hidden_layers": "num_layers"}

    vocab_size: int = 68
    embedding_size: int | None = 128
    hidden_size: int = 512
    num_layers: int = 3
    dropout: float = 0.0
    tie_word_embeddings: bool = False
    initializer_range: float = 0.1
    bos_token_id: int | None = None
    eos_token_id: int | None = None
    pad_token_id: int | None = None
    unk_token_id: int | None = None
    use_cache: bool = True

    def __post_init__(self, **kwargs):
        for name in ("vocab_size", "hidden_size", "num_layers"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"CharLSTMConfig.{name} must be >= 1, got {getattr(self, name)}.")
        if self.embedding_size is not None and self.embedding_size < 1:
            raise ValueError("CharLSTMConfig.embedding_size must be >= 1, or None for one-hot input.")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"CharLSTMConfig.dropout must be in [0, 1), got {self.dropout}.")
        if self.tie_word_embeddings and self.embedding_size != self.hidden_size:
            raise ValueError(
                "tie_word_embeddings=True needs embedding_size == hidden_size "
                f"(got {self.embedding_size} and {self.hidden_size}): set them equal or turn tying off."
            )
        super().__post_init__(**kwargs)


# Named architectures for `CharLSTMConfig.from_preset(name, **overrides)` (AUTO_CLASSES["presets"]).
PRESETS: dict[str, dict] = {
    # The tutorial's network: one-hot characters -> LSTM(128) -> Dense(vocab).
    "tutorial": {"embedding_size": None, "hidden_size": 128, "num_layers": 1, "dropout": 0.0},
    # Sized for Tiny Shakespeare on a CPU budget (model_cards/char-lstm.md): 2 x 256 takes ~3.5x the steps of
    # 2 x 512 per minute, is far ahead after 2 minutes and level with it after 15.
    "shakespeare": {"embedding_size": 256, "hidden_size": 256, "num_layers": 2, "dropout": 0.1,
                    "tie_word_embeddings": True},
    # For tests and smoke runs.
    "tiny": {"embedding_size": 16, "hidden_size": 32, "num_layers": 2, "dropout": 0.0},
}

__all__ = ["CharLSTMConfig", "PRESETS"]
