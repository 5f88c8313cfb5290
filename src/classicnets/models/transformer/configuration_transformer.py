"""Configuration of the Transformer of Vaswani et al. (2017), "Attention Is All You Need"."""

from transformers import PreTrainedConfig

POSITION_ENCODINGS = ("sinusoidal", "learned")
NORM_STYLES = ("post", "pre")
POOLINGS = ("first", "mean", "max")
ACTIVATIONS = ("relu", "gelu", "silu", "gelu_new")
DEFAULT_ID2LABEL = {0: "negative", 1: "positive"}


class TransformerConfig(PreTrainedConfig):
    r"""
    Configuration of the Transformer family: [`TransformerModel`] (encoder-decoder, as in the paper) and
    [`TransformerForSequenceClassification`] (encoder only, pooled, linear classifier).

    Args:
        vocab_size (`int`, defaults to 8000): Tokens in the (shared source/target) vocabulary.
        d_model (`int`, defaults to 512): Width of every layer (aliased as `hidden_size`).
        num_heads (`int`, defaults to 8): Attention heads per layer; must divide `d_model` (aliased as
            `num_attention_heads`).
        encoder_layers (`int`, defaults to 6): Encoder layers (aliased as `num_hidden_layers`).
        decoder_layers (`int`, defaults to 6): Decoder layers (only [`TransformerModel`] builds a decoder).
        ffn_dim (`int`, defaults to 2048): Inner width of the position-wise feed-forward network
            (aliased as `intermediate_size`).
        dropout (`float`, defaults to 0.1): Residual dropout: on the embeddings and on every sub-layer output
            before it is added back, and before the classifier (the paper's P_drop).
        attention_dropout (`float`, defaults to 0.0): Dropout on the attention probabilities.
        activation (`str`, defaults to `"relu"`): Non-linearity of the feed-forward network
            (`"relu"` as in the paper, `"gelu"`, `"silu"` or `"gelu_new"`).
        max_position_embeddings (`int`, defaults to 512): Longest sequence the model accepts; longer inputs raise
            a `ValueError` (truncate them in the tokenizer: `truncation=True`).
        position_encoding (`str`, defaults to `"sinusoidal"`): `"sinusoidal"` (the paper's fixed encoding) or
            `"learned"` (a trained position embedding, as in BERT).
        norm_style (`str`, defaults to `"post"`): `"post"` = `LayerNorm(x + Sublayer(x))` as in the paper;
            `"pre"` = `x + Sublayer(LayerNorm(x))` with a final LayerNorm, which trains more stably without warm-up.
        pooling (`str`, defaults to `"first"`): How [`TransformerForSequenceClassification`] turns the encoder
            states into one vector: `"first"` = the first non-padding token (the tokenizer's `[CLS]`),
            `"mean"` = mean over the non-padding tokens, `"max"` = feature-wise maximum over the non-padding
            tokens (max-over-time, as the CNN sentence classifiers of Kim, 2014).
        scale_embedding (`bool`, defaults to `True`): Multiply token embeddings by `sqrt(d_model)` (paper, 3.4).
        layer_norm_eps (`float`, defaults to 1e-5): Epsilon of every LayerNorm.
        initializer_range (`float`, defaults to 0.02): Std of the normal initialisation of every Linear and
            Embedding weight (biases start at zero, LayerNorms at identity).
        num_labels / id2label / label2id: Classifier labels; by default two, `{0: "negative", 1: "positive"}`.
        pad_token_id, bos_token_id, eos_token_id (`int`, *optional*): Special ids; the SST-2 tokenizer of this
            family uses `[PAD]`=0, `[CLS]`=2 (as bos) and `[SEP]`=3 (as eos).

    Example:

    ```python
    >>> from classicnets import TransformerConfig, TransformerForSequenceClassification
    >>> model = TransformerForSequenceClassification(TransformerConfig.from_preset("sst2", vocab_size=8000))
    ```
    """

    model_type = "classic_transformer"
    attribute_map = {
        "hidden_size": "d_model",
        "num_attention_heads": "num_heads",
        "num_hidden_layers": "encoder_layers",
        "intermediate_size": "ffn_dim",
    }

    vocab_size: int = 8000
    d_model: int = 512
    num_heads: int = 8
    encoder_layers: int = 6
    decoder_layers: int = 6
    ffn_dim: int = 2048
    dropout: float = 0.1
    attention_dropout: float = 0.0
    activation: str = "relu"
    max_position_embeddings: int = 512
    position_encoding: str = "sinusoidal"
    norm_style: str = "post"
    pooling: str = "first"
    scale_embedding: bool = True
    layer_norm_eps: float = 1e-5
    initializer_range: float = 0.02
    tie_word_embeddings: bool = False
    pad_token_id: int | None = 0
    bos_token_id: int | None = 2
    eos_token_id: int | None = 3

    def __post_init__(self, **kwargs):
        for name in ("vocab_size", "d_model", "num_heads", "encoder_layers", "ffn_dim", "max_position_embeddings"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"TransformerConfig.{name} must be >= 1, got {getattr(self, name)}.")
        if self.decoder_layers < 0:
            raise ValueError(f"TransformerConfig.decoder_layers must be >= 0, got {self.decoder_layers}.")
        if self.d_model % self.num_heads:
            raise ValueError(
                f"TransformerConfig.d_model ({self.d_model}) must be divisible by num_heads ({self.num_heads})."
            )
        for name, allowed in (
            ("position_encoding", POSITION_ENCODINGS),
            ("norm_style", NORM_STYLES),
            ("pooling", POOLINGS),
            ("activation", ACTIVATIONS),
        ):
            if getattr(self, name) not in allowed:
                raise ValueError(f"TransformerConfig.{name} must be one of {allowed}, got {getattr(self, name)!r}.")
        for name in ("dropout", "attention_dropout"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ValueError(f"TransformerConfig.{name} must be in [0, 1), got {getattr(self, name)}.")
        if self.pad_token_id is not None and not 0 <= self.pad_token_id < self.vocab_size:
            raise ValueError(f"pad_token_id {self.pad_token_id} is outside the vocabulary [0, {self.vocab_size}).")
        # Two labels default to SST-2's names rather than LABEL_0/LABEL_1; any other count gets LABEL_i.
        if self.id2label is None and kwargs.get("num_labels", 2) == 2:
            self.id2label = dict(DEFAULT_ID2LABEL)
        if self.id2label is not None and self.label2id is None:
            self.label2id = {label: int(i) for i, label in self.id2label.items()}
        super().__post_init__(**kwargs)

    @property
    def head_dim(self) -> int:
        return self.d_model // self.num_heads


class TransformerEnsembleConfig(TransformerConfig):
    r"""
    Configuration of [`TransformerEnsembleForSequenceClassification`]: `num_members` classifiers of one
    architecture (every other field, as in [`TransformerConfig`]), each with its own weights, whose predicted
    probabilities are averaged. A deep ensemble (Lakshminarayanan et al., 2017): members that start from different
    random weights make partly independent errors, so their average is more accurate than any one of them.

    Args:
        num_members (`int`, defaults to 4): Number of member classifiers.
    """

    model_type = "classic_transformer_ensemble"

    num_members: int = 4

    def __post_init__(self, **kwargs):
        if int(self.num_members) < 1:
            raise ValueError(f"TransformerEnsembleConfig.num_members must be >= 1, got {self.num_members}.")
        super().__post_init__(**kwargs)


# Named architectures for `TransformerConfig.from_preset(name, **overrides)` (AUTO_CLASSES["presets"]).
PRESETS: dict[str, dict] = {
    # The paper's base model (Table 3): d_model 512, 8 heads, 6 + 6 layers, d_ff 2048, P_drop 0.1. The layers
    # hold 44.1M parameters, as `nn.Transformer(512, 8, 6)` does; each embedding adds vocab_size * 512
    # (4.1M at 8000 tokens; TransformerModel has separate source and target embeddings).
    "base": {"d_model": 512, "num_heads": 8, "encoder_layers": 6, "decoder_layers": 6, "ffn_dim": 2048,
             "dropout": 0.1, "max_position_embeddings": 512},
    # Sentence classification on SST-2 within ~20 minutes on 2 CPU cores: 0.4M encoder parameters plus
    # 1.0M of token embeddings at 8000 tokens. SST-2 sentences are < 70 tokens, so 128 positions.
    "sst2": {"d_model": 128, "num_heads": 4, "encoder_layers": 2, "decoder_layers": 0, "ffn_dim": 512,
             "dropout": 0.1, "attention_dropout": 0.1, "max_position_embeddings": 128, "pooling": "mean"},
    # For tests and smoke runs.
    "tiny": {"vocab_size": 100, "d_model": 32, "num_heads": 4, "encoder_layers": 2, "decoder_layers": 2,
             "ffn_dim": 64, "dropout": 0.0, "max_position_embeddings": 64},
}

__all__ = ["PRESETS", "TransformerConfig", "TransformerEnsembleConfig"]
