"""The seq2seq-generation pipeline of TransformerForSeq2SeqLM: in process, from a folder and by Hub id, and as
remote code where classicnets cannot be imported."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from transformers import AutoTokenizer, pipeline

import classicnets  # noqa: F401  (registers the Auto classes and the pipeline)
from classicnets import (
    Text2TextGenerationPipeline,
    TransformerForSeq2SeqLM,
    TransformerSeq2SeqConfig,
    train_seq2seq_tokenizer,
)
from classicnets.testing import LoopbackHub

LINES = ["First Citizen:", "Before we proceed any further, hear me speak.", "All:", "Speak, speak.",
         "You are all resolved rather to die than to famish?", "Resolved. resolved."]
TEXTS = ["before we proceed", "speak speak", "you are all resolved rather to die"]
LIMIT, NEW = 48, 10
HIDE_CLASSICNETS = Path(__file__).resolve().parents[2] / "hub" / "clients" / "without_classicnets.py"
CLIENT = Path(__file__).resolve().parent / "seq2seq_remote_client.py"


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    """A folder as the transformer-seq2seq recipe saves it: model, tokenizer, pipeline code."""
    tokenizer = train_seq2seq_tokenizer(LINES + [t.lower() for t in LINES], "char", min_frequency=1,
                                        model_max_length=LIMIT)
    torch.manual_seed(0)
    config = TransformerSeq2SeqConfig.from_preset("tiny", vocab_size=len(tokenizer), max_position_embeddings=LIMIT,
                                           tie_word_embeddings=True, initializer_range=0.2,
                                           pad_token_id=tokenizer.pad_token_id, bos_token_id=tokenizer.bos_token_id,
                                           eos_token_id=tokenizer.eos_token_id)
    model = TransformerForSeq2SeqLM(config).eval()
    path = tmp_path_factory.mktemp("seq2seq")
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


@pytest.fixture(scope="module")
def restore(checkpoint):
    return pipeline("seq2seq-generation", model=str(checkpoint))


def direct(checkpoint, texts, **kwargs) -> list[str]:
    model = TransformerForSeq2SeqLM.from_pretrained(checkpoint).eval()
    tokenizer = AutoTokenizer.from_pretrained(checkpoint)
    inputs = tokenizer(texts, return_tensors="pt", padding=True)
    return tokenizer.batch_decode(model.generate(**inputs, do_sample=False, **kwargs), skip_special_tokens=True)


def test_the_folder_carries_the_pipeline_and_its_code(checkpoint):
    config = json.loads((checkpoint / "config.json").read_text())
    spec = config["custom_pipelines"]["seq2seq-generation"]
    assert spec == {"impl": "pipeline_seq2seq.Text2TextGenerationPipeline", "pt": ["AutoModelForSeq2SeqLM"]}
    assert config["model_type"] == "classic_transformer_seq2seq" and config["is_encoder_decoder"]
    assert config["auto_map"]["AutoModelForSeq2SeqLM"] == "modeling_transformer.TransformerForSeq2SeqLM"
    for name in ("pipeline_seq2seq.py", "modeling_transformer.py", "configuration_seq2seq.py",
                 "configuration_transformer.py", "tokenizer.json"):
        assert (checkpoint / name).is_file(), name
    # the stored modelling code imports nothing from classicnets (it must load where classicnets is absent)
    for name in ("pipeline_seq2seq.py", "modeling_transformer.py", "configuration_seq2seq.py",
                 "configuration_transformer.py"):
        assert "classicnets" not in "".join(line for line in (checkpoint / name).read_text().splitlines()
                                            if line.startswith(("import ", "from "))), name


def test_pipeline_returns_the_text_generate_gives(checkpoint, restore):
    assert isinstance(restore, Text2TextGenerationPipeline)
    out = restore(TEXTS, max_new_tokens=NEW)
    assert [r[0]["generated_text"] for r in out] == direct(checkpoint, TEXTS, max_new_tokens=NEW)
    assert isinstance(restore(TEXTS[0], max_new_tokens=NEW)[0]["generated_text"], str)


def test_batched_pipeline_equals_one_text_at_a_time(restore):
    one_by_one = [restore(t, max_new_tokens=NEW) for t in TEXTS]
    assert restore(TEXTS, batch_size=3, max_new_tokens=NEW) == one_by_one


def test_beam_search_returns_several_sequences(checkpoint, restore):
    out = restore(TEXTS[0], num_beams=3, num_return_sequences=2, max_new_tokens=NEW)
    assert len(out) == 2 and all(isinstance(r["generated_text"], str) for r in out)
    assert [r["generated_text"] for r in out] == direct(checkpoint, TEXTS[:1], num_beams=3, num_return_sequences=2,
                                                        max_new_tokens=NEW)


def test_without_a_length_the_pipeline_stops_at_the_decoder_limit(restore):
    text = restore(TEXTS[0], min_new_tokens=LIMIT - 1)[0]["generated_text"]
    assert len(text) <= LIMIT - 1


def test_bad_inputs_get_clear_errors(restore):
    with pytest.raises(ValueError, match="source text is empty"):
        restore("   ")
    with pytest.raises(TypeError, match="takes a string"):
        restore(12)
    long_text = "speak " * 20
    with pytest.raises(ValueError, match="exceeds this model's max_position_embeddings.*truncation=True"):
        restore(long_text, max_new_tokens=2)
    assert isinstance(restore(long_text, truncation=True, max_new_tokens=2)[0]["generated_text"], str)


@pytest.mark.slow
def test_remote_code_from_a_folder_and_by_hub_id_without_classicnets(checkpoint, tmp_path):
    expected_generate = direct(checkpoint, TEXTS, max_new_tokens=NEW)
    expected_pipeline = pipeline("seq2seq-generation", model=str(checkpoint))(TEXTS, max_new_tokens=NEW)
    with LoopbackHub() as hub:
        repo = f"{hub.user}/transformer-seq2seq"
        # huggingface_hub reads the endpoint and Xet settings at import: push from a fresh process, as a user would
        push = subprocess.run([sys.executable, "-m", "classicnets", "push", str(checkpoint), repo],
                              env=hub.client_env(tmp_path / "hf-home-push"), capture_output=True, text=True,
                              timeout=300)
        assert push.returncode == 0, push.stderr[-3000:]
        params = tmp_path / "params.json"
        params.write_text(json.dumps({"checkpoints": {"folder": str(checkpoint), "hub": repo}, "texts": TEXTS,
                                      "max_new_tokens": NEW}))
        proc = subprocess.run([sys.executable, str(HIDE_CLASSICNETS), str(CLIENT), str(params),
                               str(tmp_path / "result.json")], env=hub.client_env(tmp_path / "hf-home", token=None),
                              cwd=tmp_path, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr[-5000:]
        # and by Hub id where classicnets is installed: its own classes, no remote code
        installed = tmp_path / "installed.json"
        params.write_text(json.dumps({"checkpoints": {"hub": repo}, "texts": TEXTS, "max_new_tokens": NEW,
                                      "trust_remote_code": False}))
        proc = subprocess.run([sys.executable, str(CLIENT), str(params), str(installed)],
                              env=hub.client_env(tmp_path / "hf-home-installed", token=None), cwd=tmp_path,
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr[-5000:]
        assert hub.unhandled == []
    load = json.loads(installed.read_text())["loads"]["hub"]
    assert "error" not in load, load.get("error")
    assert load["model_module"].startswith("classicnets.") and load["pipeline_module"].startswith("classicnets.")
    assert load["generated"] == expected_generate and load["pipeline"] == expected_pipeline
    result = json.loads((tmp_path / "result.json").read_text())
    assert result["classicnets_importable"] is False and result["classicnets_in_sys_modules"] is False
    for label, load in result["loads"].items():
        assert "error" not in load, f"{label}: {load.get('error')}"
        assert load["model_module"].startswith("transformers_modules."), label
        assert load["pipeline_class"] == "Text2TextGenerationPipeline"
        assert load["pipeline_module"].startswith("transformers_modules."), label
        assert load["generated"] == expected_generate, label
        assert load["pipeline"] == expected_pipeline, label
