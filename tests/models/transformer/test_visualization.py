import pytest

from classicnets.visualization.attention import plot_attention

from .conftest import SENTENCES, make_classifier

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_plot_attention_writes_a_png(tokenizer, tmp_path):
    model = make_classifier(tokenizer)
    path = plot_attention(model, tokenizer, SENTENCES[0], tmp_path / "plots" / "attention.png")
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE and len(data) > 1000
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width > 100 and height > 100
    assert model.config._attn_implementation == "sdpa"  # left as it was
    plot_attention(model, tokenizer, "dull .", tmp_path / "first.png", layer=0)
    assert (tmp_path / "first.png").read_bytes()[:8] == PNG_SIGNATURE


def test_plot_attention_rejects_bad_arguments(tokenizer, tmp_path):
    model = make_classifier(tokenizer)
    with pytest.raises(ValueError, match="out of range"):
        plot_attention(model, tokenizer, SENTENCES[0], tmp_path / "x.png", layer=5)
    with pytest.raises(TypeError, match="string"):
        plot_attention(model, tokenizer, 42, tmp_path / "x.png")
