"""Tiny seeded checkpoints of each family, saved as a training run leaves them (shared with tests/demos)."""

from pathlib import Path

import torch

from classicnets import (
    CharLSTMConfig,
    CharLSTMForCausalLM,
    CharTokenizer,
    GANConfig,
    GANModel,
    TransformerConfig,
    TransformerForSequenceClassification,
    train_sst2_tokenizer,
)

CORPUS = ("To be, or not to be, that is the question:\nWhether 'tis nobler in the mind to suffer\n"
          "The slings and arrows of outrageous fortune,\nOr to take arms against a sea of troubles\n")
SENTENCES = ["a gripping , funny and moving film .", "dull , tedious and far too long .",
             "the best movie of the year .", "i hated every minute of it .",
             "a charming , warm story with great acting .", "the plot is a mess and the jokes fall flat ."]
LABELS = [1, 0, 1, 0, 1, 0]
MAX_LEN = 24


def char_lstm_checkpoint(folder: Path, steps: int = 80) -> Path:
    """A tiny char-LSTM fitted for `steps` Adam steps on CORPUS (a few seconds): it writes words, not noise."""
    tokenizer = CharTokenizer.from_corpus(CORPUS)
    torch.manual_seed(0)
    config = CharLSTMConfig.from_preset("tiny", vocab_size=len(tokenizer), pad_token_id=tokenizer.pad_token_id,
                                        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                                        unk_token_id=tokenizer.unk_token_id, hidden_size=64)
    model = CharLSTMForCausalLM(config)
    ids = torch.tensor(tokenizer(CORPUS)["input_ids"])  # (N,)
    windows = ids.unfold(0, 33, 8)  # (W, 33)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(steps):
        loss = model(input_ids=windows, labels=windows).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval().save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def sst2_checkpoint(folder: Path, steps: int = 30) -> Path:
    """A tiny Transformer classifier fitted a little on SENTENCES, with its WordPiece tokenizer."""
    tokenizer = train_sst2_tokenizer(SENTENCES * 2, vocab_size=300, min_frequency=1, model_max_length=MAX_LEN)
    torch.manual_seed(0)
    config = TransformerConfig.from_preset("tiny", vocab_size=len(tokenizer), max_position_embeddings=MAX_LEN)
    model = TransformerForSequenceClassification(config)
    enc = tokenizer(SENTENCES, return_tensors="pt", padding=True)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(steps):
        loss = model(**enc, labels=torch.tensor(LABELS)).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval().save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def gan_checkpoint(folder: Path, conditional: bool = False) -> Path:
    """A tiny DCGAN, untrained: its images are noise, seeded and different for every seed. Its weights are drawn
    wider than DCGAN's N(0, 0.02) (which gives flat grey images) so that the noise shows."""
    torch.manual_seed(0)
    config = GANConfig.from_preset("tiny", initializer_range=0.2, **({"num_classes": 10} if conditional else {}))
    GANModel(config).save_pretrained(folder)
    return folder
