"""The transformer-sst2 recipe on a tiny inline sentiment dataset (Hub-layout parquet files written in tmp_path)."""

import json
import sys

import pytest
import torch
from safetensors.torch import load_file

from .helpers import run_train

POSITIVE = ["a wonderful , moving film", "great acting and a great story", "i loved every minute of it",
            "funny , warm and wonderful", "a great , great movie", "beautifully made and deeply moving"]
NEGATIVE = ["a dull , boring mess", "terrible acting and a bad story", "i hated every minute of it",
            "boring , bad and far too long", "a bad , bad movie", "lifeless and dull from start to end"]


def write_sentiment_dataset(folder, text_column="sentence"):
    """train/validation/test parquet files under folder/data, as on the Hub; test labels hidden (-1) like SST-2."""
    from datasets import ClassLabel, Dataset, Features, Value

    features = Features({"idx": Value("int32"), text_column: Value("string"),
                         "label": ClassLabel(names=["negative", "positive"])})
    texts = [t for pair in zip(POSITIVE, NEGATIVE) for t in pair] * 4
    labels = [1, 0] * (len(texts) // 2)
    (folder / "data").mkdir(parents=True, exist_ok=True)
    for split, rows in (("train", range(len(texts))), ("validation", range(0, len(texts), 5))):
        Dataset.from_dict({"idx": list(rows), text_column: [texts[i] for i in rows],
                           "label": [labels[i] for i in rows]},
                          features=features).to_parquet(str(folder / "data" / f"{split}-00000-of-00001.parquet"))
    test_features = Features({**features, "label": Value("int64")})
    Dataset.from_dict({"idx": [0, 1], text_column: texts[:2], "label": [-1, -1]}, features=test_features).to_parquet(
        str(folder / "data" / "test-00000-of-00001.parquet"))
    return folder


@pytest.fixture(scope="module")
def toy_sst2(tmp_path_factory):
    return write_sentiment_dataset(tmp_path_factory.mktemp("toy_sst2"))


def sst2_args(data, output_dir, **options) -> list[str]:
    base = {"preset": "sst2", "dataset_name": data, "output_dir": output_dir, "d_model": 32, "num_heads": 2,
            "encoder_layers": 1, "ffn_dim": 64, "vocab_size": 120, "min_frequency": 1, "max_length": 32,
            "dropout": 0.0, "attention_dropout": 0.0, "per_device_train_batch_size": 8,
            "per_device_eval_batch_size": 4, "learning_rate": 3e-3, "max_steps": 40, "eval_steps": 20,
            "logging_steps": 10, "save_steps": 0, "disable_tqdm": True, "seed": 0}
    base.update(options)
    args = ["transformer-sst2"]
    for key, value in base.items():
        if value is True:
            args.append(f"--{key}")
        elif value is not None:
            args += [f"--{key}", str(value)]
    return args


@pytest.fixture(scope="module")
def tiny_run(toy_sst2, tmp_path_factory):
    """One tiny run (40 steps), read by several tests (none writes to it): its folder and its process."""
    out = tmp_path_factory.mktemp("tiny_run") / "run"
    return out, run_train(sst2_args(toy_sst2, out, word_dropout=0.1))


@pytest.mark.slow
def test_tiny_run_saves_a_checkpoint_the_pipeline_loads(tiny_run):
    out, proc = tiny_run
    assert "Saved the model" in proc.stdout

    summary = json.loads((out / "metrics.json").read_text())
    final = summary["final"]
    assert summary["recipe"] == "transformer-sst2" and summary["global_step"] == 40
    confusion = final["confusion_matrix"]  # rows: true label, columns: predicted
    assert sum(map(sum, confusion)) == 10
    assert final["val_accuracy"] == pytest.approx((confusion[0][0] + confusion[1][1]) / 10)
    assert final["val_accuracy"] >= 0.8  # the toy task is easy: its validation sentences are training sentences
    assert [r["step"] for r in summary["history"]] == [20, 40]
    for name in ("model.safetensors", "config.json", "tokenizer.json", "confusion_matrix.png", "README.md",
                 "examples.txt", "accuracy.png"):
        assert (out / name).is_file(), name
    card = (out / "README.md").read_text()
    assert "Confusion matrix" in card and "`learning_rate` |" in card
    assert "distill_" not in card  # no teacher: the distillation options shaped nothing

    from transformers import pipeline

    import classicnets  # noqa: F401  (registers the Auto classes)

    classifier = pipeline("text-classification", model=str(out))
    predictions = classifier(["a great , wonderful movie", "a dull , bad movie"])
    assert [p["label"] for p in predictions] == ["positive", "negative"]
    config = json.loads((out / "config.json").read_text())
    assert config["id2label"] == {"0": "negative", "1": "positive"} and config["max_position_embeddings"] == 32


@pytest.mark.slow
def test_csv_files_and_a_saved_tokenizer(tiny_run, tmp_path):
    """--train_file/--validation_file (CSV) with other column names, and --tokenizer_name from an earlier run."""
    import pandas as pd

    train = pd.DataFrame({"text": POSITIVE + NEGATIVE, "target": [1] * len(POSITIVE) + [0] * len(NEGATIVE)})
    train.to_csv(tmp_path / "train.csv", index=False)
    train.iloc[::3].to_csv(tmp_path / "valid.csv", index=False)
    first, _ = tiny_run
    out = tmp_path / "csv"
    run_train(sst2_args(None, out, train_file=tmp_path / "train.csv", validation_file=tmp_path / "valid.csv",
                        text_column="text", label_column="target", tokenizer_name=first, max_steps=4))
    final = json.loads((out / "metrics.json").read_text())["final"]
    assert sum(map(sum, final["confusion_matrix"])) == 4
    assert json.loads((out / "tokenizer.json").read_text())["model"]["vocab"] == \
        json.loads((first / "tokenizer.json").read_text())["model"]["vocab"]


def test_missing_column_names_the_columns_it_has(toy_sst2, tmp_path, fresh_accelerate_state):
    from classicnets.cli import main

    with pytest.raises(ValueError,
                       match=r"needs column\(s\) \['text'\], but the dataset has \['idx', 'sentence', 'label'\]"):
        main(["train", *sst2_args(toy_sst2, tmp_path / "bad", text_column="text")])


def test_hidden_labels_are_refused(toy_sst2, tmp_path, fresh_accelerate_state):
    from classicnets.cli import main

    with pytest.raises(ValueError, match=r"labels \[-1\] outside 0\.\.1 .*evaluate on 'validation'"):
        main(["train", *sst2_args(toy_sst2, tmp_path / "bad", eval_split="test")])


# accelerate's `--cpu` flag starts several processes only through mpirun; torchrun (`--multi_gpu`) with
# ACCELERATE_USE_CPU=true starts a gloo process group on CPUs.
# `--main_process_port 0`: a free port, not 29500, which a run in another test worker may hold.
ACCELERATE = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2",
              "--num_machines", "1", "--main_process_port", "0", "--mixed_precision", "no", "--dynamo_backend", "no",
              "-m", "classicnets"]


@pytest.mark.slow
def test_two_processes_match_one_process_with_double_batch(toy_sst2, tmp_path):
    options = {"max_steps": 4, "eval_steps": 100}
    one, two = tmp_path / "one", tmp_path / "two"
    # The main process trains the tokenizer and the other loads it (WordPiece training is not deterministic, so
    # two processes training their own could disagree on the ids); the one-process run reuses that tokenizer.
    proc = run_train(sst2_args(toy_sst2, two, per_device_train_batch_size=4, **options), launcher=ACCELERATE,
                     env={"ACCELERATE_USE_CPU": "true", "OMP_NUM_THREADS": "1"})
    assert proc.stdout.count("Saved the model") == 1
    run_train(sst2_args(toy_sst2, one, per_device_train_batch_size=8, tokenizer_name=two / "tokenizer", **options))
    a, b = load_file(str(one / "model.safetensors")), load_file(str(two / "model.safetensors"))
    for key in a:
        torch.testing.assert_close(a[key], b[key], atol=2e-5, rtol=1e-4)
    full = json.loads((one / "metrics.json").read_text())["final"]
    sharded = json.loads((two / "metrics.json").read_text())["final"]
    assert sharded["confusion_matrix"] == full["confusion_matrix"]  # every sentence counted once
    assert sum(map(sum, sharded["confusion_matrix"])) == 10
    assert sharded["val_loss"] == pytest.approx(full["val_loss"], abs=1e-5)


def _tiny_teacher(folder, seed: int, labels=("negative", "positive")):
    """A small untrained classifier with its own tokenizer, saved as a checkpoint folder."""
    from datasets import Dataset

    from classicnets.models.transformer import (
        TransformerConfig,
        TransformerForSequenceClassification,
        train_sst2_tokenizer,
    )

    tokenizer = train_sst2_tokenizer(Dataset.from_dict({"sentence": POSITIVE + NEGATIVE}), vocab_size=120,
                                     min_frequency=1, model_max_length=32)
    torch.manual_seed(seed)
    config = TransformerConfig.from_preset(
        "sst2", vocab_size=len(tokenizer), d_model=16, num_heads=2, encoder_layers=1, ffn_dim=32,
        max_position_embeddings=32, pad_token_id=tokenizer.pad_token_id, num_labels=len(labels),
        id2label=dict(enumerate(labels)), label2id={name: i for i, name in enumerate(labels)})
    TransformerForSequenceClassification(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def test_teacher_probabilities_average_each_teachers_softened_predictions(tmp_path):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from classicnets.training.recipes.transformer_sst2 import teacher_probabilities

    teachers = [str(_tiny_teacher(tmp_path / f"t{seed}", seed)) for seed in (0, 1)]
    texts = ["a great movie", "a dull , bad and far too long movie", ""]
    soft = teacher_probabilities(teachers, texts, ["negative", "positive"], temperature=2.0, device="cpu",
                                 max_length=32, batch_size=2)
    expected = []
    for folder in teachers:
        model = AutoModelForSequenceClassification.from_pretrained(folder).eval()
        tokenizer = AutoTokenizer.from_pretrained(folder)
        with torch.no_grad():
            logits = torch.cat([model(**tokenizer([t], return_tensors="pt")).logits for t in texts])
        expected.append((logits / 2.0).softmax(-1))
    assert not torch.allclose(expected[0], expected[1])  # two different teachers
    torch.testing.assert_close(soft, (expected[0] + expected[1]) / 2, atol=1e-5, rtol=1e-5)

    with pytest.raises(ValueError, match=r"predicts \['bad', 'good'\].*same labels"):
        teacher_probabilities([str(_tiny_teacher(tmp_path / "other", 0, labels=("bad", "good")))], texts,
                              ["negative", "positive"], 2.0, "cpu", 32)


def test_distillation_loss_mixes_labels_and_teachers():
    from classicnets.models.transformer import TransformerConfig, TransformerForSequenceClassification
    from classicnets.training.recipes.transformer_sst2 import TransformerSST2Arguments, TransformerSST2Recipe

    torch.manual_seed(0)
    model = TransformerForSequenceClassification(TransformerConfig.from_preset(
        "sst2", vocab_size=50, d_model=16, num_heads=2, encoder_layers=1, ffn_dim=32, dropout=0.0,
        attention_dropout=0.0, max_position_embeddings=16, pad_token_id=0, num_labels=2)).eval()
    batch = {"input_ids": torch.randint(1, 50, (4, 7)), "attention_mask": torch.ones(4, 7, dtype=torch.long),
             "labels": torch.tensor([0, 1, 1, 0]), "teacher_probs": torch.tensor([[0.9, 0.1], [0.2, 0.8]] * 2)}
    logits = model(input_ids=batch["input_ids"]).logits

    def loss(alpha, temperature=2.0, **overrides):
        recipe = TransformerSST2Recipe(TransformerSST2Arguments(distill_alpha=alpha, distill_temperature=temperature))
        return recipe.compute_loss(model, {**batch, **overrides}).item()

    hard = torch.nn.functional.cross_entropy(logits, batch["labels"]).item()
    soft = 4.0 * torch.nn.functional.kl_div((logits / 2).log_softmax(-1), batch["teacher_probs"],
                                            reduction="batchmean").item()
    assert loss(0.0) == pytest.approx(hard, rel=1e-5)
    assert loss(1.0) == pytest.approx(soft, rel=1e-5)
    assert loss(0.3) == pytest.approx(0.7 * hard + 0.3 * soft, rel=1e-5)
    # A teacher that agrees with the student exactly adds nothing.
    assert loss(1.0, teacher_probs=(logits / 2).softmax(-1).detach()) == pytest.approx(0.0, abs=1e-6)
    without_teachers = {k: v for k, v in batch.items() if k != "teacher_probs"}
    recipe = TransformerSST2Recipe(TransformerSST2Arguments(distill_alpha=1.0))
    assert recipe.compute_loss(model, without_teachers).item() == pytest.approx(hard, rel=1e-5)


@pytest.mark.slow
def test_a_student_learns_the_task_from_a_teacher_alone(toy_sst2, tiny_run, tmp_path):
    """--distill_alpha 1: no label reaches the loss, yet the student learns the toy task from the teacher's outputs."""
    (teacher, _), out = tiny_run, tmp_path / "student"
    assert json.loads((teacher / "metrics.json").read_text())["final"]["val_accuracy"] >= 0.8
    proc = run_train(sst2_args(toy_sst2, out, eval_steps=100, seed=1)
                     + ["--distill_from", str(teacher), "--distill_alpha", "1.0", "--distill_temperature", "1.0"])
    assert f"distillation: alpha 1.0, temperature 1.0, from 1 teacher(s): {teacher}" in proc.stdout
    assert f"Teacher {teacher}" not in proc.stderr  # --disable_tqdm silences the teachers' pass too
    assert json.loads((out / "metrics.json").read_text())["final"]["val_accuracy"] >= 0.8
    assert "| `distill_alpha` | 1.0 |" in (out / "README.md").read_text()
