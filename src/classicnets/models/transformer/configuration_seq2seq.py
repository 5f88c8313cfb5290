"""Configuration of [`TransformerForSeq2SeqLM`], the encoder-decoder with a language-model head."""

import sys

from .configuration_transformer import TransformerConfig

TASK = "seq2seq-generation"


class TransformerSeq2SeqConfig(TransformerConfig):
    r"""
    Configuration of [`TransformerForSeq2SeqLM`]: every field of [`TransformerConfig`], with the defaults of a
    sequence-to-sequence model, and its own model type (so `AutoModelForSeq2SeqLM` knows it).

    Args:
        tie_word_embeddings (`bool`, defaults to `True`): One matrix for the encoder's and decoder's token embeddings
            and the output layer, as in the paper (3.4); source and target then share one vocabulary.
        decoder_start_token_id (`int`, *optional*): The token the decoder starts from; `None` = `bos_token_id`.
        is_encoder_decoder (`bool`, defaults to `True`): What `generate()` reads to encode the source once and
            decode from the start token.

    Example:

    ```python
    >>> from classicnets import TransformerForSeq2SeqLM, TransformerSeq2SeqConfig
    >>> model = TransformerForSeq2SeqLM(TransformerSeq2SeqConfig(vocab_size=100, d_model=128, num_heads=4,
    ...                                                          encoder_layers=2, decoder_layers=2, ffn_dim=512))
    ```
    """

    model_type = "classic_transformer_seq2seq"

    tie_word_embeddings: bool = True
    is_encoder_decoder: bool = True
    decoder_start_token_id: int | None = None

    def __post_init__(self, **kwargs):
        if self.decoder_layers < 1:
            raise ValueError("TransformerSeq2SeqConfig.decoder_layers must be >= 1: the model decodes.")
        super().__post_init__(**kwargs)

    @property
    def custom_pipelines(self) -> dict:
        """
        The pipeline a saved checkpoint declares in its config.json: what lets `pipeline(model=<repo>,
        trust_remote_code=True)` run the repo's pipeline_seq2seq.py where classicnets is not installed.

        Empty in a process where the task is registered with transformers (`import classicnets` does it):
        transformers' `pipeline()` would otherwise insist on `trust_remote_code=True` and run the repo's copy even
        though the code is installed.
        """
        registry = getattr(sys.modules.get("transformers.pipelines"), "PIPELINE_REGISTRY", None)
        if registry is not None and TASK in registry.supported_tasks:
            return {}
        return declared_pipelines()

    @custom_pipelines.setter
    def custom_pipelines(self, value) -> None:
        pass  # derived (see the getter); transformers sets it from a config.json

    def to_dict(self) -> dict:
        output = super().to_dict()
        output["custom_pipelines"] = declared_pipelines()  # every saved config declares it
        return output


def declared_pipelines() -> dict:
    """The `custom_pipelines` entry of a saved config.json. `pt` names the transformers Auto class that loads the
    model. The import is relative on purpose: transformers copies the files a saved module imports relatively, so
    pipeline_seq2seq.py goes into every checkpoint with this file."""
    from .pipeline_seq2seq import Text2TextGenerationPipeline

    return {TASK: {"impl": f"pipeline_seq2seq.{Text2TextGenerationPipeline.__name__}", "pt": ["AutoModelForSeq2SeqLM"]}}


__all__ = ["TransformerSeq2SeqConfig"]
