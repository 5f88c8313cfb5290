from transformers import AutoModelForSeq2SeqLM

from .configuration_seq2seq import TransformerSeq2SeqConfig
from .configuration_transformer import PRESETS as TRANSFORMER_PRESETS
from .configuration_transformer import TransformerConfig, TransformerEnsembleConfig
from .modeling_transformer import (
    TransformerDecoder,
    TransformerEncoder,
    TransformerEnsembleForSequenceClassification,
    TransformerForMaskedLM,
    TransformerForSeq2SeqLM,
    TransformerForSequenceClassification,
    TransformerModel,
    TransformerPreTrainedModel,
)
from .pipeline_seq2seq import Text2TextGenerationPipeline
from .tokenization_seq2seq import train_seq2seq_tokenizer
from .tokenization_transformer import text_classification_pipeline, train_sst2_tokenizer

# How this family plugs into the transformers Auto classes (read by classicnets.models.registry): the single
# models, then the sequence-to-sequence model and the ensemble of classifiers under model types of their own. The
# tokenizers are plain fast tokenizers (tokenizer.json), which AutoTokenizer loads with no registration.
AUTO_CLASSES = [
    {
        "config": TransformerConfig,
        "models": {
            "AutoModel": TransformerModel,
            "AutoModelForSequenceClassification": TransformerForSequenceClassification,
            "AutoModelForMaskedLM": TransformerForMaskedLM,
        },
        "tokenizer": None,
        "presets": TRANSFORMER_PRESETS,  # TransformerSeq2SeqConfig and TransformerEnsembleConfig inherit it
    },
    {
        "config": TransformerSeq2SeqConfig,
        "models": {"AutoModelForSeq2SeqLM": TransformerForSeq2SeqLM},
        "tokenizer": None,
        # transformers v5 has no text-to-text task of its own: text in, generated text out.
        "pipelines": [{"task": "seq2seq-generation", "pipeline_class": Text2TextGenerationPipeline,
                       "pt_model": AutoModelForSeq2SeqLM}],
    },
    {
        "config": TransformerEnsembleConfig,
        "models": {"AutoModelForSequenceClassification": TransformerEnsembleForSequenceClassification},
        "tokenizer": None,
    },
]

__all__ = [
    "TRANSFORMER_PRESETS",
    "TransformerConfig",
    "TransformerDecoder",
    "TransformerEncoder",
    "TransformerEnsembleConfig",
    "TransformerEnsembleForSequenceClassification",
    "Text2TextGenerationPipeline",
    "TransformerForMaskedLM",
    "TransformerForSeq2SeqLM",
    "TransformerForSequenceClassification",
    "TransformerModel",
    "TransformerPreTrainedModel",
    "TransformerSeq2SeqConfig",
    "text_classification_pipeline",
    "train_seq2seq_tokenizer",
    "train_sst2_tokenizer",
]
