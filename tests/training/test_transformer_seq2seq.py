"""transformer-seq2seq: the pair builders, and short runs over the three data layouts (two columns, the Hub's
translation layout, and the punctuation task on a text column)."""

import json
import random

import pytest
import torch

from classicnets.training.recipes.transformer_seq2seq import (
    TransformerSeq2SeqArguments,
    capitalise_and_stop,
    punctuation_pairs,
    strip_punctuation,
    translation_pairs,
)
from classicnets.training.text_tasks import Seq2SeqCollator

from .helpers import card_reports, run_train

WORDS = ["cat", "dog", "sun", "red", "big", "owl", "map", "cup", "hat", "pen", "box", "fig"]
TINY = {"d_model": 32, "num_heads": 2, "encoder_layers": 1, "decoder_layers": 1, "ffn_dim": 64, "dropout": 0.0,
        "per_device_train_batch_size": 16, "per_device_eval_batch_size": 16, "logging_steps": 10, "save_steps": 0,
        "disable_tqdm": True, "seed": 0, "warmup_steps": 10, "num_samples": 2, "max_source_length": 24,
        "max_target_length": 24}


def to_args(recipe: str, options: dict) -> list[str]:
    args = [recipe]
    for key, value in options.items():
        if value is True:
            args.append(f"--{key}")
        elif value is not None:
            args += [f"--{key}", str(value)]
    return args


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def upper_pairs(count: int, seed: int) -> list[tuple[str, str]]:
    """A toy task: two lower-case words -> the same words upper-cased (copying the source scores 0 chrF)."""
    rng = random.Random(seed)
    return [(f"{a} {b}", f"{a} {b}".upper()) for a, b in (rng.sample(WORDS, 2) for _ in range(count))]


# --- pieces -------------------------------------------------------------------------------------------------


def test_the_punctuation_task_source_is_the_line_lower_cased_without_punctuation():
    assert strip_punctuation("Call'd Katharina, fair and virtuous?") == "calld katharina fair and virtuous"
    assert strip_punctuation("GREMIO:") == "gremio"
    assert strip_punctuation("  O, -- 'tis   true!  ") == "o tis true"
    assert capitalise_and_stop("good morrow") == "Good morrow."
    sources, targets = punctuation_pairs(["?\n\nGREMIO:\nGood morrow, neighbour.\n", "...\n"])
    assert targets == ["GREMIO:", "Good morrow, neighbour."]  # lines with nothing but punctuation are skipped
    assert sources == ["gremio", "good morrow neighbour"]


def test_collator_pads_sources_and_ignores_padded_labels():
    batch = Seq2SeqCollator(pad_token_id=0)([{"input_ids": [5, 6, 3], "labels": [7, 3]},
                                             {"input_ids": [5, 3], "labels": [8, 9, 10, 3]}])
    assert batch["input_ids"].tolist() == [[5, 6, 3], [5, 3, 0]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1], [1, 1, 0]]
    assert batch["labels"].tolist() == [[7, 3, -100, -100], [8, 9, 10, 3]]


def test_layout_options_are_checked():
    assert TransformerSeq2SeqArguments().task == "punctuation"
    assert TransformerSeq2SeqArguments(source_column="a", target_column="b").task == "columns"
    assert TransformerSeq2SeqArguments(source_lang="de", target_lang="en").task == "translation"
    with pytest.raises(ValueError, match="both --source_column and --target_column"):
        TransformerSeq2SeqArguments(source_column="a")
    with pytest.raises(ValueError, match="not both"):
        TransformerSeq2SeqArguments(source_column="a", target_column="b", source_lang="de", target_lang="en")
    # the model has max(source, target) positions: asking for more new tokens would fail only after training
    assert TransformerSeq2SeqArguments(max_source_length=24, generation_max_new_tokens=24).generation_max_new_tokens
    with pytest.raises(ValueError, match=r"--generation_max_new_tokens must lie in \[1, 24\].*got 60"):
        TransformerSeq2SeqArguments(max_source_length=24, max_target_length=16, generation_max_new_tokens=60)


# --- runs ---------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_two_column_run_learns_beats_the_copy_baseline_and_saves_a_pipeline(tmp_path):
    train = write_jsonl(tmp_path / "train.jsonl", [{"src": s, "tgt": t} for s, t in upper_pairs(400, 0)])
    valid = write_jsonl(tmp_path / "valid.jsonl", [{"src": s, "tgt": t} for s, t in upper_pairs(24, 1)])
    out = tmp_path / "run"
    run_train(to_args("transformer-seq2seq", {
        **TINY, "train_file": train, "validation_file": valid, "source_column": "src", "target_column": "tgt",
        "output_dir": out, "max_steps": 150, "eval_steps": 75, "learning_rate": 3e-3, "min_frequency": 1}))
    summary = json.loads((out / "metrics.json").read_text())
    final = summary["final"]
    assert [r["step"] for r in summary["history"]] == [75, 150]
    assert final["baseline_copy_chrf"] == 0.0 and final["baseline_copy_exact_match"] == 0.0  # case matters
    assert "baseline_capitalise_and_stop_chrf" not in final  # the rule is the punctuation task's only
    assert final["val_chrf"] > 50 and final["val_loss"] < summary["history"][0]["val_loss"]
    samples = (out / "samples.txt").read_text()
    assert samples.count("source:") == 2 and "reference:" in samples and "model:" in samples
    card = (out / "README.md").read_text()
    assert "pipeline_tag: text2text-generation" in card and "classicnets train transformer-seq2seq" in card
    assert card_reports(card, final["val_chrf"]) and "## Baselines" in card
    config = json.loads((out / "config.json").read_text())
    assert config["tie_word_embeddings"] and "seq2seq-generation" in config["custom_pipelines"]
    from transformers import pipeline

    import classicnets  # noqa: F401

    restore = pipeline("seq2seq-generation", model=str(out))
    assert isinstance(restore("cat dog")[0]["generated_text"], str)


@pytest.mark.slow
def test_translation_layout_with_a_bpe_tokenizer(tmp_path):
    rows = [{"translation": {"de": f"der {w}", "en": f"the {w}"}} for w in WORDS]
    train = write_jsonl(tmp_path / "train.jsonl", rows * 4)
    valid = write_jsonl(tmp_path / "valid.jsonl", rows[:4])
    out = tmp_path / "run"
    proc = run_train(to_args("transformer-seq2seq", {
        **TINY, "train_file": train, "validation_file": valid, "source_lang": "de", "target_lang": "en",
        "tokenizer_type": "bpe", "vocab_size": 300, "min_frequency": 1, "output_dir": out, "max_steps": 3,
        "eval_steps": 100}))
    assert "translation['de'] -> ['en']" in proc.stdout
    summary = json.loads((out / "metrics.json").read_text())
    assert summary["global_step"] == 3 and 0 <= summary["final"]["val_chrf"] <= 100
    tokenizer = json.loads((out / "tokenizer.json").read_text())
    assert tokenizer["model"]["type"] == "BPE"
    bad = run_train(to_args("transformer-seq2seq", {
        **TINY, "train_file": train, "validation_file": valid, "source_lang": "de", "target_lang": "fr",
        "output_dir": tmp_path / "bad", "max_steps": 1}), check=False)
    assert bad.returncode != 0 and "not both 'de' and 'fr'" in bad.stderr


def test_a_translation_row_without_one_of_the_languages_is_named():
    args = TransformerSeq2SeqArguments(source_lang="de", target_lang="en")
    rows = [{"de": "der hund", "en": "the dog"}, {"de": "die katze", "fr": "le chat"}]
    pairs = translation_pairs(rows, args, "train")
    assert next(pairs) == ("der hund", "the dog")
    with pytest.raises(ValueError, match=r"Row 1 of split 'train'.*\['de', 'fr'\], not both 'de' and 'en'"):
        next(pairs)


@pytest.mark.slow
def test_punctuation_task_keeps_validation_lines_out_of_training(tmp_path):
    lines = ["ROMEO:", "Ay, my lord.", "What say you, sir?", "Go to; be gone!", "JULIET:"]
    train = write_jsonl(tmp_path / "train.jsonl", [{"text": "\n".join(lines + ["Fie, fie!", "Speak, speak."] * 8)}])
    valid = write_jsonl(tmp_path / "valid.jsonl", [{"text": "ROMEO:\nAy, my lord.\nNay, sir."}])
    out = tmp_path / "run"
    proc = run_train(to_args("transformer-seq2seq", {
        **TINY, "train_file": train, "validation_file": valid, "output_dir": out, "max_steps": 2, "eval_steps": 100,
        "min_frequency": 1}))
    assert "dropped 2 training lines that also occur in the validation text" in proc.stdout
    assert "3 evaluation pairs" in proc.stdout
    final = json.loads((out / "metrics.json").read_text())["final"]
    # the rule baseline on ["romeo", "ay my lord", "nay sir"]: "Nay sir." is one character short of "Nay, sir."
    assert final["baseline_capitalise_and_stop_exact_match"] == 0.0
    assert final["baseline_copy_exact_match"] == 0.0
    assert 0 < final["baseline_copy_chrf"] < final["baseline_capitalise_and_stop_chrf"] < 100
    assert torch.isfinite(torch.tensor(final["val_loss"]))
