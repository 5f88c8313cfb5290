import pytest
import torch

from classicnets import CharLSTMConfig, CharLSTMForCausalLM, CharTokenizer

CORPUS = "To be, or not to be, that is the question:\nWhether 'tis nobler in the mind to suffer\n你好, мир 🙂\n"


@pytest.fixture
def tokenizer() -> CharTokenizer:
    return CharTokenizer.from_corpus(CORPUS)


def make_model(tokenizer, preset="tiny", seed=0, **overrides) -> CharLSTMForCausalLM:
    torch.manual_seed(seed)
    config = CharLSTMConfig.from_preset(
        preset,
        vocab_size=len(tokenizer),
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        unk_token_id=tokenizer.unk_token_id,
        **overrides,
    )
    return CharLSTMForCausalLM(config).eval()


@pytest.fixture
def model(tokenizer) -> CharLSTMForCausalLM:
    return make_model(tokenizer)
