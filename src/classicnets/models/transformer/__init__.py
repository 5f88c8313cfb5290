from .configuration_transformer import PRESETS as TRANSFORMER_PRESETS
from .configuration_transformer import TransformerConfig, TransformerEnsembleConfig
from .modeling_transformer import (
    TransformerDecoder,
    TransformerEncoder,
    TransformerEnsembleForSequenceClassification,
    TransformerForMaskedLM,
    TransformerForSequenceClassification,
    TransformerModel,
    TransformerPreTrainedModel,
)
from .tokenization_transformer import text_classification_pipeline, train_sst2_tokenizer

# How this family plugs into the transformers Auto classes (read by classicnets.models.registry): the single
# models, and the ensemble of classifiers under a model type of its own. The tokenizer is a plain fast tokenizer
# (tokenizer.json), which AutoTokenizer loads with no registration.
AUTO_CLASSES = [
    {
        "config": TransformerConfig,
        "models": {
            "AutoModel": TransformerModel,
            "AutoModelForSequenceClassification": TransformerForSequenceClassification,
            "AutoModelForMaskedLM": TransformerForMaskedLM,
        },
        "tokenizer": None,
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
    "TransformerForMaskedLM",
    "TransformerForSequenceClassification",
    "TransformerModel",
    "TransformerPreTrainedModel",
    "text_classification_pipeline",
    "train_sst2_tokenizer",
]
