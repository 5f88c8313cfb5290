"""Character-level LSTM language model, readable top to bottom.

    input_ids (B, T) -> embedding or one-hot (B, T, E) -> LSTM x L (B, T, H) -> dropout -> head (B, T, V)

The recurrent state `(h, c)`, each (L, B, H), is returned as `state` and fed back by `generate()`, so every new
character costs one LSTM step instead of a pass over the whole prefix.
"""

from contextlib import nullcontext as _nullcontext
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
from transformers import GenerationMixin, PreTrainedModel
from transformers import initialization as init
from transformers.generation import GenerationMode
from transformers.utils import ModelOutput

from .configuration_char_lstm import CharLSTMConfig

LSTMState = tuple[torch.Tensor, torch.Tensor]


@dataclass
class CharLSTMOutput(ModelOutput):
    """
    Args:
        last_hidden_state (`torch.FloatTensor` of shape `(batch_size, sequence_length, hidden_size)`):
            Output of the top LSTM layer at every position (zeros at padded positions).
        state (`tuple(torch.FloatTensor, torch.FloatTensor)`, each `(num_layers, batch_size, hidden_size)`):
            `(h, c)` after the last non-padded position of each row.
    """

    last_hidden_state: torch.FloatTensor | None = None
    state: LSTMState | None = None


@dataclass
class CharLSTMCausalLMOutput(ModelOutput):
    """
    Args:
        loss (`torch.FloatTensor` of shape `()`, returned when `labels` are given):
            Mean next-character cross entropy in nats over the positions whose shifted label is not -100.
        logits (`torch.FloatTensor` of shape `(batch_size, sequence_length, vocab_size)`):
            Next-character scores at every position.
        state (`tuple(torch.FloatTensor, torch.FloatTensor)`, each `(num_layers, batch_size, hidden_size)`):
            The recurrent state to continue from.
    """

    loss: torch.FloatTensor | None = None
    logits: torch.FloatTensor | None = None
    state: LSTMState | None = None


class CharLSTMPreTrainedModel(PreTrainedModel):
    config: CharLSTMConfig
    config_class = CharLSTMConfig
    base_model_prefix = "model"
    main_input_name = "input_ids"
    _is_stateful = True  # generation carries `state`, not a key/value cache
    _supports_sdpa = False

    @torch.no_grad()
    def _init_weights(self, module: nn.Module):
        # transformers v5 calls this after __init__ (and skips weights that come from a checkpoint),
        # so the intended initialisation lives here rather than in the constructors.
        if isinstance(module, nn.Embedding):
            init.normal_(module.weight, mean=0.0, std=self.config.initializer_range)
        elif isinstance(module, nn.LSTM):
            bound = module.hidden_size**-0.5  # PyTorch's default LSTM init ...
            for name, param in module.named_parameters():
                init.uniform_(param, -bound, bound)
                if name.startswith("bias_ih"):  # ... plus a forget-gate bias of 1 (Jozefowicz et al. 2015)
                    hidden = module.hidden_size
                    param[hidden : 2 * hidden].fill_(1.0)
        elif isinstance(module, nn.Linear):
            bound = module.in_features**-0.5
            init.uniform_(module.weight, -bound, bound)
            if module.bias is not None:
                init.zeros_(module.bias)


class CharLSTMModel(CharLSTMPreTrainedModel):
    """The LSTM stack without the output head: `input_ids` (B, T) -> hidden states (B, T, H) and `state`."""

    def __init__(self, config: CharLSTMConfig):
        super().__init__(config)
        self.embed_tokens = (
            nn.Embedding(config.vocab_size, config.embedding_size) if config.embedding_size is not None else None
        )
        input_size = config.embedding_size if config.embedding_size is not None else config.vocab_size
        self.dropout = nn.Dropout(config.dropout)
        self.lstm = nn.LSTM(
            input_size,
            config.hidden_size,
            num_layers=config.num_layers,
            dropout=config.dropout if config.num_layers > 1 else 0.0,
            batch_first=True,
        )
        self.post_init()

    def get_input_embeddings(self):
        return self.embed_tokens

    def set_input_embeddings(self, value):
        self.embed_tokens = value

    def embed(self, input_ids: torch.LongTensor) -> torch.Tensor:
        """(B, T) ids -> (B, T, E) inputs of the first LSTM layer."""
        try:  # checking the range up front would cost a reduction per generated character: catch instead
            if self.embed_tokens is None:
                return F.one_hot(input_ids, self.lstm.input_size).to(self.lstm.weight_ih_l0.dtype)
            return self.embed_tokens(input_ids)
        except (IndexError, RuntimeError) as err:
            vocab = self.config.vocab_size
            if input_ids.numel() and (input_ids.min() < 0 or input_ids.max() >= vocab):
                raise ValueError(
                    f"input_ids must lie in [0, {vocab}); got values from {int(input_ids.min())} to "
                    f"{int(input_ids.max())}. Encode text with this model's own tokenizer."
                ) from err
            raise

    def forward(
        self,
        input_ids: torch.LongTensor | None = None,
        attention_mask: torch.Tensor | None = None,
        state: LSTMState | None = None,
        inputs_embeds: torch.Tensor | None = None,
        return_dict: bool | None = None,
        **kwargs,
    ) -> CharLSTMOutput:
        r"""
        Args:
            input_ids (`torch.LongTensor` of shape `(batch_size, sequence_length)`): Character ids.
            attention_mask (`torch.Tensor` of shape `(batch_size, sequence_length)`, *optional*):
                1 for real characters, 0 for padding (left or right). Padded positions leave the state
                untouched, so a left-padded row ends in the same state as the same row unpadded.
            state (`tuple(torch.FloatTensor, torch.FloatTensor)`, *optional*): `(h, c)` to start from.
            inputs_embeds (`torch.FloatTensor` of shape `(batch_size, sequence_length, input_size)`, *optional*).
        """
        if (input_ids is None) == (inputs_embeds is None):
            raise ValueError("Pass exactly one of input_ids or inputs_embeds.")
        x = self.embed(input_ids) if inputs_embeds is None else inputs_embeds  # (B, T, E)
        if x.shape[1] == 0:
            raise ValueError("The input is empty (sequence length 0): give at least one character.")
        x = self.dropout(x)
        # oneDNN has no bf16 LSTM kernel for CPUs without AVX-512: under CPU autocast the recurrence stays fp32.
        fp32_only = x.device.type == "cpu" and torch.is_autocast_enabled("cpu")
        with torch.autocast("cpu", enabled=False) if fp32_only else _nullcontext():
            if fp32_only:
                x = x.float()
                state = None if state is None else tuple(s.float() for s in state)
            if attention_mask is not None and not bool(attention_mask.all()):
                hidden, state = self._masked_lstm(x, attention_mask, state)
            elif x.shape[1] == 1 and state is not None:
                hidden, state = self._one_step(x, state)  # generation: (B, 1, H)
            else:
                hidden, state = self.lstm(x, state)  # (B, T, H), ((L, B, H), (L, B, H))
        return CharLSTMOutput(last_hidden_state=hidden, state=state)

    def _one_step(self, x: torch.Tensor, state: LSTMState):
        """One time step, written out: the same function as `self.lstm`, but on a CPU the fused kernel spends
        ~10x longer preparing its weights for a single step (measured 16.5 ms vs 1.5 ms, shakespeare preset,
        batch 1) than computing it. x (B, 1, E) -> (B, 1, H)."""
        h0, c0 = state  # (L, B, H) each
        layer_input, hs, cs = x[:, 0], [], []
        for layer in range(self.lstm.num_layers):
            if layer > 0:
                layer_input = F.dropout(layer_input, self.lstm.dropout, self.training)
            gates = F.linear(layer_input, getattr(self.lstm, f"weight_ih_l{layer}"),
                             getattr(self.lstm, f"bias_ih_l{layer}"))
            gates = gates + F.linear(h0[layer], getattr(self.lstm, f"weight_hh_l{layer}"),
                                     getattr(self.lstm, f"bias_hh_l{layer}"))
            i, f, g, o = gates.chunk(4, dim=1)  # PyTorch's gate order: input, forget, cell, output
            c = torch.sigmoid(f) * c0[layer] + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
            hs.append(h)
            cs.append(c)
            layer_input = h
        return layer_input.unsqueeze(1), (torch.stack(hs), torch.stack(cs))

    def _masked_lstm(self, x: torch.Tensor, attention_mask: torch.Tensor, state: LSTMState | None):
        """Run the LSTM over the unmasked positions of each row only (any padding side)."""
        keep = attention_mask.bool()
        lengths = keep.sum(dim=1)
        if bool((lengths == 0).any()):
            raise ValueError("A row of attention_mask is all zeros: every sequence needs at least one character.")
        # Move each row's real positions to the front (stable), pack, run, and move the outputs back.
        order = torch.sort((~keep).to(torch.int8), dim=1, stable=True).indices  # (B, T)
        gathered = torch.gather(x, 1, order.unsqueeze(-1).expand_as(x))
        packed = pack_padded_sequence(gathered, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, state = self.lstm(packed, state)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])  # (B, T, H), zeros past len
        hidden = torch.zeros_like(out).scatter_(1, order.unsqueeze(-1).expand_as(out), out)
        return hidden, state


class CharLSTMForCausalLM(CharLSTMPreTrainedModel, GenerationMixin):
    """Char-LSTM with a next-character head; works with `generate()` and the text-generation pipeline."""

    _tied_weights_keys = {"lm_head.weight": "model.embed_tokens.weight"}

    def __init__(self, config: CharLSTMConfig):
        super().__init__(config)
        self.model = CharLSTMModel(config)
        self.dropout = nn.Dropout(config.dropout)
        self.lm_head = nn.Linear(config.hidden_size, config.vocab_size)
        self.post_init()

    def get_output_embeddings(self):
        return self.lm_head

    def set_output_embeddings(self, new_embeddings):
        self.lm_head = new_embeddings

    def forward(
        self,
        input_ids: torch.LongTensor | None = None,
        attention_mask: torch.Tensor | None = None,
        state: LSTMState | None = None,
        inputs_embeds: torch.Tensor | None = None,
        labels: torch.LongTensor | None = None,
        return_dict: bool | None = None,
        logits_to_keep: int = 0,
        **kwargs,
    ) -> CharLSTMCausalLMOutput:
        r"""
        Args:
            input_ids (`torch.LongTensor` of shape `(batch_size, sequence_length)`): Character ids.
            attention_mask (`torch.Tensor` of shape `(batch_size, sequence_length)`, *optional*): See [`CharLSTMModel`].
            state (`tuple(torch.FloatTensor, torch.FloatTensor)`, *optional*): `(h, c)` to continue from.
            labels (`torch.LongTensor` of shape `(batch_size, sequence_length)`, *optional*):
                Usually `input_ids` itself; shifted inside the model so position t predicts label t+1.
                -100 marks positions left out of the loss.
            logits_to_keep (`int`): If > 0, compute logits for the last `logits_to_keep` positions only.
        """
        outputs = self.model(input_ids, attention_mask=attention_mask, state=state, inputs_embeds=inputs_embeds)
        hidden = self.dropout(outputs.last_hidden_state)  # (B, T, H)
        if logits_to_keep:
            hidden = hidden[:, -logits_to_keep:]
        logits = self.lm_head(hidden)  # (B, T, V)
        loss = None
        if labels is not None:
            loss = next_token_loss(logits, labels)
        return CharLSTMCausalLMOutput(loss=loss, logits=logits, state=outputs.state)

    # --- generation: carry (h, c) from step to step -------------------------------------------------------
    # generate() threads the state through `model_kwargs["state"]` (one of its cache names) and beam search
    # reorders it with `_reorder_cache`. No key/value cache is ever built: (h, c) is the model's whole memory.

    def generate(self, inputs: torch.Tensor | None = None, generation_config=None, **kwargs):
        """[`~GenerationMixin.generate`], after refusing what a recurrent model cannot run.

        Works: greedy search, sampling (`do_sample=True` with `temperature`, `top_k`, `top_p`, ...), beam
        search (`num_beams > 1`) and beam sampling (`num_beams > 1, do_sample=True`), each with
        `num_return_sequences`, left-padded batches, and `use_cache=False` (re-reads the whole prefix at every
        step: slower, same result).
        """
        self._check_generation_request(generation_config, kwargs)
        return super().generate(inputs, generation_config, **kwargs)

    def _check_generation_request(self, generation_config, kwargs: dict):
        """Raise a ValueError naming the mode or argument that the char-LSTM cannot serve, and what works."""
        name = type(self).__name__
        for cache_name in ("cache", "past_key_values", "cache_params"):
            if kwargs.get(cache_name) is not None:
                raise ValueError(
                    f"{name}.generate() got `{cache_name}`, but an LSTM keeps no key/value cache: its "
                    "memory is the recurrent `state` (h, c), which generate() builds from the prompt. Pass "
                    "the whole text as the prompt instead."
                )
        if kwargs.get("custom_generate") is not None:
            return  # a user-supplied decoding loop is the user's to vouch for
        config, _ = self._prepare_generation_config(generation_config, **kwargs)
        # Assisted and DoLa flags are checked here: with num_beams > 1 transformers only warns and drops them.
        if (kwargs.get("assistant_model") is not None or config.prompt_lookup_num_tokens is not None
                or config.assistant_early_exit is not None or config.use_mtp):
            mode = GenerationMode.ASSISTED_GENERATION
        elif config.dola_layers is not None:
            mode = GenerationMode.DOLA_GENERATION
        else:
            mode = config.get_generation_mode()
        if mode in _UNSUPPORTED_GENERATION:
            raise ValueError(
                f"{name} cannot run {_UNSUPPORTED_GENERATION[mode]}. What works: greedy search "
                "(do_sample=False), sampling (do_sample=True, with temperature/top_k/top_p/...), beam search "
                "(num_beams>1) and beam sampling (num_beams>1, do_sample=True), each with "
                "num_return_sequences."
            )
        for option, why in _UNSUPPORTED_GENERATION_OPTIONS.items():
            if getattr(config, option, None):
                raise ValueError(f"{name}.generate() does not support {option}: {why}.")
        copies = max(config.num_beams or 1, config.num_return_sequences or 1)
        if kwargs.get("state") is not None and copies > 1:
            raise ValueError(
                "A `state` passed to generate() is not expanded for num_beams or num_return_sequences > 1: "
                "pass the whole text as the prompt instead, or generate one sequence per prompt."
            )

    @classmethod
    def _supports_default_dynamic_cache(cls) -> bool:
        # Otherwise generate() builds a transformers DynamicCache and carries it under `cache` beside `state`
        # (beam search would then reorder it instead of the state): an object that does nothing for an LSTM.
        return False

    def prepare_inputs_for_generation(
        self,
        input_ids: torch.LongTensor,
        state: LSTMState | None = None,
        attention_mask: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        use_cache: bool = True,
        **kwargs,
    ) -> dict:
        if state is not None and use_cache is not False:
            # The prefix is already folded into `state`: feed only the newest character, which is never padding.
            return {"input_ids": input_ids[:, -1:], "state": state, "logits_to_keep": 1}
        if input_ids.shape[1] == 0:
            raise ValueError("The prompt is empty: give at least one character to start from.")
        # First step, or use_cache=False: read the whole (possibly left-padded) sequence.
        return {"input_ids": input_ids, "attention_mask": attention_mask, "logits_to_keep": 1}

    def _update_model_kwargs_for_generation(self, outputs, model_kwargs, is_encoder_decoder=False, num_new_tokens=1):
        if model_kwargs.get("use_cache", True) is not False:
            model_kwargs["state"] = outputs.state  # (L, B * beams, H) each
        return super()._update_model_kwargs_for_generation(outputs, model_kwargs, is_encoder_decoder, num_new_tokens)

    def _reorder_cache(self, state: LSTMState, beam_idx: torch.LongTensor) -> LSTMState:
        """Beam search: new row i is old row `beam_idx[i]`. state (L, B * beams, H) each."""
        return tuple(s.index_select(1, beam_idx.to(s.device)) for s in state)


# generate() modes the char-LSTM refuses, and why.
_UNSUPPORTED_GENERATION = {
    GenerationMode.ASSISTED_GENERATION: (
        "assisted decoding (assistant_model, prompt_lookup_num_tokens, assistant_early_exit, use_mtp): it "
        "rolls the model back past rejected draft tokens, and an LSTM state cannot be rewound"
    ),
    GenerationMode.CONTRASTIVE_SEARCH: (
        "contrastive search (penalty_alpha with top_k): it compares each candidate with the hidden states of "
        "all earlier positions, which a recurrent model does not keep"
    ),
    GenerationMode.DOLA_GENERATION: (
        "DoLa decoding (dola_layers): it contrasts the logits of early and late transformer layers"
    ),
    GenerationMode.GROUP_BEAM_SEARCH: (
        "group beam search (num_beam_groups > 1): transformers moved it to a Hub custom_generate repository "
        "written for key/value caches"
    ),
    GenerationMode.CONSTRAINED_BEAM_SEARCH: (
        "constrained beam search (constraints, force_words_ids): transformers moved it to a Hub "
        "custom_generate repository written for key/value caches"
    ),
}
_UNSUPPORTED_GENERATION_OPTIONS = {
    "output_attentions": "an LSTM has no attention weights",
    "output_hidden_states": "use model(ids).last_hidden_state for the top layer's outputs",
    "prefill_chunk_size": "chunked prefill fills a key/value cache; the LSTM reads the prompt in one pass",
}


def next_token_loss(logits: torch.Tensor, labels: torch.LongTensor) -> torch.Tensor:
    """Cross entropy of position t's logits against label t+1, ignoring -100. logits (B, T, V), labels (B, T)."""
    shift_logits = logits[:, :-1].reshape(-1, logits.shape[-1]).float()
    shift_labels = labels[:, 1:].reshape(-1).to(logits.device)
    return F.cross_entropy(shift_logits, shift_labels, ignore_index=-100)


__all__ = [
    "CharLSTMCausalLMOutput",
    "CharLSTMForCausalLM",
    "CharLSTMModel",
    "CharLSTMOutput",
    "CharLSTMPreTrainedModel",
]
