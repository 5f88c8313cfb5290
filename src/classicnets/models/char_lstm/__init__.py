from .configuration_char_lstm import PRESETS as CHAR_LSTM_PRESETS
from .configuration_char_lstm import CharLSTMConfig
from .modeling_char_lstm import (
    CharLSTMCausalLMOutput,
    CharLSTMForCausalLM,
    CharLSTMModel,
    CharLSTMOutput,
    CharLSTMPreTrainedModel,
)
from .tokenization_char_lstm import CharTokenizer

# How this family plugs into the transformers Auto classes (read by classicnets.models.registry).
AUTO_CLASSES = {
    "config": CharLSTMConfig,
    "models": {"AutoModel": CharLSTMModel, "AutoModelForCausalLM": CharLSTMForCausalLM},
    "tokenizer": CharTokenizer,
    "presets": CHAR_LSTM_PRESETS,
}

__all__ = [
    "CHAR_LSTM_PRESETS",
    "CharLSTMCausalLMOutput",
    "CharLSTMConfig",
    "CharLSTMForCausalLM",
    "CharLSTMModel",
    "CharLSTMOutput",
    "CharLSTMPreTrainedModel",
    "CharTokenizer",
]
