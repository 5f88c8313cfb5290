import pytest
from transformers import AutoConfig
from transformers.models.auto.configuration_auto import CONFIG_MAPPING_NAMES

import classicnets  # noqa: F401  (registers the Auto classes)
from classicnets import TRANSFORMER_PRESETS, TransformerConfig


def test_model_type_is_ours_and_registered():
    assert TransformerConfig.model_type not in CONFIG_MAPPING_NAMES  # no clash with a transformers model
    assert isinstance(AutoConfig.for_model("classic_transformer"), TransformerConfig)


def test_defaults_are_the_paper_base_and_sst2_labels():
    config = TransformerConfig()
    assert (config.d_model, config.num_heads, config.encoder_layers, config.decoder_layers) == (512, 8, 6, 6)
    assert config.norm_style == "post" and config.position_encoding == "sinusoidal"
    assert config.id2label == {0: "negative", 1: "positive"}
    assert config.label2id == {"negative": 0, "positive": 1}
    assert config.num_labels == 2


def test_attribute_map_aliases():
    config = TransformerConfig.from_preset("sst2")
    assert config.hidden_size == config.d_model == 128
    assert config.num_attention_heads == config.num_heads
    assert config.num_hidden_layers == config.encoder_layers
    assert config.intermediate_size == config.ffn_dim


def test_other_label_counts_get_generic_names():
    config = TransformerConfig(num_labels=3)
    assert config.id2label == {0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}


def test_presets_and_overrides():
    assert set(TRANSFORMER_PRESETS) >= {"base", "sst2", "tiny"}
    config = TransformerConfig.from_preset("tiny", norm_style="pre")
    assert config.norm_style == "pre" and config.d_model == 32
    with pytest.raises(ValueError, match="Unknown TransformerConfig preset .huge.; choose one of"):
        TransformerConfig.from_preset("huge")


def test_round_trip_through_dict(tmp_path):
    config = TransformerConfig.from_preset("tiny", position_encoding="learned", pooling="mean")
    config.save_pretrained(tmp_path)
    loaded = AutoConfig.from_pretrained(tmp_path)
    assert isinstance(loaded, TransformerConfig)
    assert loaded.to_diff_dict() | {"_name_or_path": ""} == config.to_diff_dict() | {"_name_or_path": ""}


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"d_model": 30, "num_heads": 4}, "divisible"),
        ({"norm_style": "sandwich"}, "norm_style"),
        ({"position_encoding": "rotary"}, "position_encoding"),
        ({"pooling": "median"}, "pooling"),
        ({"activation": "tanh"}, "activation"),
        ({"dropout": 1.0}, "dropout"),
        ({"encoder_layers": 0}, "encoder_layers"),
        ({"vocab_size": 10, "pad_token_id": 10}, "pad_token_id"),
    ],
)
def test_invalid_configs_are_rejected(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TransformerConfig(**kwargs)
