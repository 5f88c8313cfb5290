"""The Transformer of Vaswani et al. (2017), readable top to bottom. Everything is batch-first.

    input_ids (B, S) -> embeddings (B, S, D) -> EncoderLayer x N -> (B, S, D)                     [TransformerEncoder]
    decoder_input_ids (B, T) -> embeddings (B, T, D) -> DecoderLayer x M (self-attn causal,
        cross-attn over the encoder output) -> (B, T, D)                                         [TransformerDecoder]

[`TransformerModel`] is the paper's encoder-decoder without the output projection: source ids (B, S) and
target ids (B, T) give decoder states (B, T, d_model). It is the batch-first counterpart of PyTorch's
`nn.Transformer(d_model=512, nhead=8)`, which is sequence-first ((S, B, E) and (T, B, E) in, (T, B, E) out) and
takes embeddings rather than ids. [`TransformerForSeq2SeqLM`] adds the output projection (the language-model head)
and decodes with `generate()`. [`TransformerForSequenceClassification`] uses the encoder only, and so does
[`TransformerForMaskedLM`] (BERT's masked-language-model pre-training, whose encoder a classifier can start from).

Attention comes in two interchangeable implementations, chosen like every transformers model through
`config._attn_implementation` (`from_pretrained(..., attn_implementation="eager")`, `model.set_attn_implementation`):
"eager" (`eager_attention_forward` below) writes out softmax(Q K^T / sqrt(d_head)) V and can return the attention
weights; "sdpa" (the default) calls `torch.nn.functional.scaled_dot_product_attention` through transformers'
attention interface, with the same mask. `output_attentions=True` always uses eager.
"""

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from transformers import GenerationMixin, PreTrainedModel
from transformers import initialization as init
from transformers.activations import ACT2FN
from transformers.cache_utils import DynamicCache, EncoderDecoderCache
from transformers.modeling_outputs import (
    BaseModelOutput,
    BaseModelOutputWithPastAndCrossAttentions,
    MaskedLMOutput,
    ModelOutput,
    Seq2SeqLMOutput,
    Seq2SeqModelOutput,
    SequenceClassifierOutput,
)
from transformers.modeling_utils import ALL_ATTENTION_FUNCTIONS

from .configuration_seq2seq import TransformerSeq2SeqConfig
from .configuration_transformer import TransformerConfig, TransformerEnsembleConfig

# --- embeddings -----------------------------------------------------------------------------------------------


def sinusoidal_positions(num_positions: int, dim: int) -> torch.Tensor:
    """The paper's fixed encoding (3.5): PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = cos(...). (P, D)"""
    position = torch.arange(num_positions, dtype=torch.float32).unsqueeze(1)  # (P, 1)
    inv_freq = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32) * (-math.log(10000.0) / dim))  # (D/2,)
    table = torch.zeros(num_positions, dim)
    table[:, 0::2] = torch.sin(position * inv_freq)
    table[:, 1::2] = torch.cos(position * inv_freq)[:, : dim // 2]
    return table


class TransformerEmbeddings(nn.Module):
    """
    ids (B, T) -> token embedding * sqrt(d_model) + position encoding -> dropout -> (B, T, D).

    Positions count real tokens only (0 at each row's first non-padding token), so a sentence gets the same
    encoding whether it is padded on the right, on the left, or not at all.
    """

    def __init__(self, config: TransformerConfig):
        super().__init__()
        self.config = config
        self.token_embedding = nn.Embedding(config.vocab_size, config.d_model, padding_idx=config.pad_token_id)
        self.scale = math.sqrt(config.d_model) if config.scale_embedding else 1.0
        if config.position_encoding == "learned":
            self.position_embedding = nn.Embedding(config.max_position_embeddings, config.d_model)
        else:  # fixed table, recomputed rather than saved (and refilled by _init_weights after a meta-device load)
            self.position_embedding = None
            table = sinusoidal_positions(config.max_position_embeddings, config.d_model)
            self.register_buffer("sinusoidal_table", table, persistent=False)
        self.dropout = nn.Dropout(config.dropout)

    def forward(
        self,
        input_ids: torch.LongTensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        past_length: int = 0,
    ) -> torch.Tensor:
        """`past_length` tokens come before these (cached decoding): positions start there, and
        `attention_mask`, when given, covers them too: (B, past_length + T)."""
        if (input_ids is None) == (inputs_embeds is None):
            raise ValueError("Pass exactly one of input_ids or inputs_embeds.")
        length = (input_ids if input_ids is not None else inputs_embeds).shape[1]
        # (the limit counts the cached tokens too; an empty input is an error whatever came before)
        check_length(past_length + length if length else 0, self.config.max_position_embeddings, past_length)
        if inputs_embeds is None:
            if input_ids.min() < 0 or input_ids.max() >= self.config.vocab_size:
                raise ValueError(
                    f"input_ids must lie in [0, {self.config.vocab_size}); got values from {int(input_ids.min())} "
                    f"to {int(input_ids.max())}. Encode text with this model's own tokenizer."
                )
            inputs_embeds = self.token_embedding(input_ids)  # (B, T, D)
        table = self.position_embedding.weight if self.position_embedding is not None else self.sinusoidal_table
        if attention_mask is None:
            positions = table[past_length : past_length + length]  # (T, D), broadcast over B
        else:
            # Count positions over real tokens only, so left padding does not shift a sentence's positions.
            position_ids = (attention_mask.long().cumsum(dim=1) - 1).clamp(min=0)[:, past_length:]  # (B, T)
            positions = table[position_ids]  # (B, T, D)
        return self.dropout(inputs_embeds * self.scale + positions.to(inputs_embeds.dtype))


def check_length(length: int, limit: int, past_length: int = 0) -> None:
    if length == 0:
        raise ValueError("The input is empty (sequence length 0): give at least one token.")
    if length > limit and past_length:  # decoding ran out of positions, not the input
        raise ValueError(
            f"Decoding reached position {length}, past this model's max_position_embeddings={limit}: ask for fewer "
            f"new tokens (max_new_tokens <= {limit} from a one-token decoder start)."
        )
    if length > limit:
        raise ValueError(
            f"Sequence length {length} exceeds this model's max_position_embeddings={limit}. Truncate the input, "
            f"e.g. tokenizer(text, truncation=True) or pipeline(..., truncation=True)."
        )


# --- attention ------------------------------------------------------------------------------------------------


def build_attention_mask(
    key_padding_mask: torch.Tensor | None, is_causal: bool, q_len: int, k_len: int, dtype: torch.dtype, device
) -> torch.Tensor | None:
    """
    Additive mask, 0 where query t may attend to key s and the most negative finite number where it may not:
    (B, 1, T, S), (1, 1, T, S), or None when every query may attend to every key.

    A finite minimum rather than -inf: a row whose keys are all masked (a left-padded query under a causal mask)
    then gets uniform weights instead of NaNs, identically in the eager and sdpa paths. Padding rows are ignored
    downstream anyway (pooling and the loss skip them).
    """
    allowed = None
    if key_padding_mask is not None:
        allowed = key_padding_mask.bool()[:, None, None, :]  # (B, 1, 1, S): padding keys are never attended to
    if is_causal:
        causal = torch.ones(q_len, k_len, dtype=torch.bool, device=device).tril(k_len - q_len)  # (T, S)
        allowed = causal[None, None] if allowed is None else allowed & causal
    if allowed is None:
        return None
    return torch.zeros(allowed.shape, dtype=dtype, device=device).masked_fill(~allowed, torch.finfo(dtype).min)


def eager_attention_forward(module, query, key, value, attention_mask, dropout=0.0, scaling=None, **kwargs):
    """
    softmax(Q K^T / sqrt(d_head) + mask) V, written out. query (B, H, T, hs), key and value (B, H, S, hs).
    Returns the output as (B, T, H, hs) and the weights (B, H, T, S), like every transformers attention function;
    "sdpa" dispatches to `transformers.integrations.sdpa_attention.sdpa_attention_forward`, which computes the same
    with one call to `torch.nn.functional.scaled_dot_product_attention` (same mask, same scaling, no weights).
    """
    scaling = query.shape[-1] ** -0.5 if scaling is None else scaling
    scores = (query @ key.transpose(-2, -1)) * scaling  # (B, H, T, S)
    if attention_mask is not None:
        scores = scores + attention_mask
    weights = F.softmax(scores.float(), dim=-1).to(query.dtype)  # (B, H, T, S), softmax in fp32
    weights = F.dropout(weights, p=dropout, training=module.training)
    out = weights @ value  # (B, H, T, hs)
    return out.transpose(1, 2).contiguous(), weights  # (B, T, H, hs)


class MultiHeadAttention(nn.Module):
    """Multi-head attention (paper, 3.2.2): H heads of size hs = D / H, then an output projection.

    Self-attention when `key_value_states` is None, cross-attention (queries from the decoder, keys and values
    from the encoder output) otherwise. While decoding step by step, an `EncoderDecoderCache` keeps the keys and
    values: the self-attention's grow by the new tokens at each step (`layer_idx` names this layer's slot), the
    cross-attention's are computed from the encoder output once, at the first step, and reused.
    """

    def __init__(self, config: TransformerConfig, layer_idx: int | None = None):
        super().__init__()
        self.config = config
        self.layer_idx = layer_idx
        self.num_heads = config.num_heads
        self.head_dim = config.d_model // config.num_heads
        self.scaling = self.head_dim**-0.5
        self.is_causal = False  # the causal part, if any, is in the mask we pass
        self.q_proj = nn.Linear(config.d_model, config.d_model)
        self.k_proj = nn.Linear(config.d_model, config.d_model)
        self.v_proj = nn.Linear(config.d_model, config.d_model)
        self.out_proj = nn.Linear(config.d_model, config.d_model)

    def forward(
        self,
        hidden_states: torch.Tensor,
        key_value_states: torch.Tensor | None = None,
        key_padding_mask: torch.Tensor | None = None,
        is_causal: bool = False,
        output_attentions: bool = False,
        cache: EncoderDecoderCache | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        B, T, D = hidden_states.shape
        q = self.q_proj(hidden_states).view(B, T, self.num_heads, self.head_dim).transpose(1, 2)  # (B, H, T, hs)
        k, v = self.keys_and_values(hidden_states, key_value_states, cache)  # (B, H, S, hs) each
        S = k.shape[2]  # with a cache: the past tokens and these
        mask = build_attention_mask(key_padding_mask, is_causal, T, S, q.dtype, q.device)  # (B|1, 1, T, S)

        attention = eager_attention_forward
        if not output_attentions and self.config._attn_implementation not in (None, "eager"):
            attention = ALL_ATTENTION_FUNCTIONS.get_interface(self.config._attn_implementation, eager_attention_forward)
        out, weights = attention(
            self,
            q,
            k,
            v,
            mask,
            dropout=self.config.attention_dropout if self.training else 0.0,
            scaling=self.scaling,
            is_causal=False,
        )  # (B, T, H, hs), (B, H, T, S) or None
        out = out.reshape(B, T, D)  # re-assemble the heads
        return self.out_proj(out), weights

    def keys_and_values(self, hidden_states, key_value_states, cache) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, H, S, hs) keys and values: projected from `hidden_states` (self-attention) or from the encoder output
        `key_value_states` (cross-attention), through the cache when there is one."""
        cross = key_value_states is not None
        if cross and cache is not None and cache.is_updated.get(self.layer_idx):
            layer = cache.cross_attention_cache.layers[self.layer_idx]  # the encoder's, computed at the first step
            return layer.keys, layer.values
        source = key_value_states if cross else hidden_states  # (B, S, D)
        B, S, _ = source.shape
        k = self.k_proj(source).view(B, S, self.num_heads, self.head_dim).transpose(1, 2)  # (B, H, S, hs)
        v = self.v_proj(source).view(B, S, self.num_heads, self.head_dim).transpose(1, 2)  # (B, H, S, hs)
        if cache is None:
            return k, v
        if cross:
            cache.is_updated[self.layer_idx] = True
            return cache.cross_attention_cache.update(k, v, self.layer_idx)
        return cache.self_attention_cache.update(k, v, self.layer_idx)  # past and new: (B, H, past + T, hs)


class FeedForward(nn.Module):
    """Position-wise feed-forward network (paper, 3.3): Linear(D, F) -> activation -> Linear(F, D)."""

    def __init__(self, config: TransformerConfig):
        super().__init__()
        self.fc1 = nn.Linear(config.d_model, config.ffn_dim)
        self.act = ACT2FN[config.activation]
        self.fc2 = nn.Linear(config.ffn_dim, config.d_model)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(x)))  # (B, T, D) -> (B, T, F) -> (B, T, D)


# --- layers ---------------------------------------------------------------------------------------------------


class Residual(nn.Module):
    """A sub-layer wrapped in dropout, a residual connection and a LayerNorm, after ("post") or before ("pre")."""

    def __init__(self, config: TransformerConfig):
        super().__init__()
        self.pre_norm = config.norm_style == "pre"
        self.layer_norm = nn.LayerNorm(config.d_model, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor, sublayer) -> tuple[torch.Tensor, torch.Tensor | None]:
        if self.pre_norm:  # x + Sublayer(LayerNorm(x))
            out, weights = sublayer(self.layer_norm(x))
            return x + self.dropout(out), weights
        out, weights = sublayer(x)  # LayerNorm(x + Sublayer(x)), the paper's form
        return self.layer_norm(x + self.dropout(out)), weights


class EncoderLayer(nn.Module):
    """Self-attention, then feed-forward, each as a `Residual` block."""

    def __init__(self, config: TransformerConfig):
        super().__init__()
        self.self_attn = MultiHeadAttention(config)
        self.self_attn_block = Residual(config)
        self.ffn = FeedForward(config)
        self.ffn_block = Residual(config)

    def forward(self, x, padding_mask=None, output_attentions=False):
        x, weights = self.self_attn_block(
            x, lambda h: self.self_attn(h, key_padding_mask=padding_mask, output_attentions=output_attentions)
        )
        x, _ = self.ffn_block(x, lambda h: (self.ffn(h), None))
        return x, weights  # (B, S, D), (B, H, S, S) or None


class DecoderLayer(nn.Module):
    """Causal self-attention, cross-attention over the encoder output, then feed-forward."""

    def __init__(self, config: TransformerConfig, layer_idx: int | None = None):
        super().__init__()
        self.self_attn = MultiHeadAttention(config, layer_idx)
        self.self_attn_block = Residual(config)
        self.cross_attn = MultiHeadAttention(config, layer_idx)
        self.cross_attn_block = Residual(config)
        self.ffn = FeedForward(config)
        self.ffn_block = Residual(config)

    def forward(self, x, encoder_states, padding_mask=None, encoder_padding_mask=None, output_attentions=False,
                cache=None):
        x, self_weights = self.self_attn_block(
            x,
            lambda h: self.self_attn(
                h, key_padding_mask=padding_mask, is_causal=True, output_attentions=output_attentions, cache=cache
            ),
        )
        x, cross_weights = self.cross_attn_block(
            x,
            lambda h: self.cross_attn(
                h, encoder_states, key_padding_mask=encoder_padding_mask, output_attentions=output_attentions,
                cache=cache,
            ),
        )
        x, _ = self.ffn_block(x, lambda h: (self.ffn(h), None))
        return x, self_weights, cross_weights  # (B, T, D), (B, H, T, T), (B, H, T, S)


# --- models ---------------------------------------------------------------------------------------------------


class TransformerPreTrainedModel(PreTrainedModel):
    config: TransformerConfig
    config_class = TransformerConfig
    base_model_prefix = "transformer"
    main_input_name = "input_ids"
    _supports_sdpa = True
    _supports_flash_attn = False
    _supports_flex_attn = False
    _no_split_modules = ["EncoderLayer", "DecoderLayer"]

    @torch.no_grad()
    def _init_weights(self, module: nn.Module):
        # transformers v5 calls this after __init__ (and skips weights that come from a checkpoint).
        std = self.config.initializer_range
        if isinstance(module, nn.Linear):
            init.normal_(module.weight, mean=0.0, std=std)
            if module.bias is not None:
                init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            token_embedding = module.num_embeddings == self.config.vocab_size
            if self.config.is_encoder_decoder and self.config.scale_embedding and token_embedding:
                # TransformerForSeq2SeqLM, as the paper (and fairseq): token embeddings multiplied by sqrt(d_model)
                # start at std d_model^-0.5, so the scaled input has unit variance instead of being drowned by the
                # position encoding (measured: a copy task learns several times faster than at 0.02).
                std = self.config.d_model**-0.5
            init.normal_(module.weight, mean=0.0, std=std)
            if module.padding_idx is not None and not getattr(module.weight, "_is_hf_initialized", False):
                init.zeros_(module.weight[module.padding_idx])
        elif isinstance(module, nn.LayerNorm):
            init.ones_(module.weight)
            init.zeros_(module.bias)
        elif isinstance(module, TransformerEmbeddings) and module.position_embedding is None:
            init.copy_(module.sinusoidal_table, sinusoidal_positions(*module.sinusoidal_table.shape))


def padding_mask_from(attention_mask: torch.Tensor | None) -> torch.Tensor | None:
    """(B, T) 1 = token, 0 = padding -> bool (B, T), or None when nothing is padded (lets sdpa skip the mask)."""
    if attention_mask is None:
        return None
    mask = attention_mask.bool()
    if not bool(mask.any(dim=1).all()):
        raise ValueError("A row of attention_mask is all zeros: every sequence needs at least one token.")
    return None if bool(mask.all()) else mask


class TransformerEncoder(TransformerPreTrainedModel):
    """Embeddings and the encoder stack: `input_ids` (B, S) -> `last_hidden_state` (B, S, D)."""

    def __init__(self, config: TransformerConfig):
        super().__init__(config)
        self.embeddings = TransformerEmbeddings(config)
        self.layers = nn.ModuleList(EncoderLayer(config) for _ in range(config.encoder_layers))
        # Pre-LN leaves the residual stream un-normalised: one final LayerNorm (post-LN needs none).
        self.final_layer_norm = (nn.LayerNorm(config.d_model, eps=config.layer_norm_eps)
                                 if config.norm_style == "pre" else None)
        self.post_init()

    def get_input_embeddings(self):
        return self.embeddings.token_embedding

    def set_input_embeddings(self, value):
        self.embeddings.token_embedding = value

    def forward(
        self,
        input_ids: torch.LongTensor | None = None,
        attention_mask: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
        **kwargs,
    ) -> BaseModelOutput:
        r"""
        Args:
            input_ids (`torch.LongTensor` of shape `(batch_size, sequence_length)`): Token ids.
            attention_mask (`torch.Tensor` of shape `(batch_size, sequence_length)`, *optional*):
                1 for tokens, 0 for padding (either side). Padding keys are never attended to.
            inputs_embeds (`torch.FloatTensor` of shape `(batch_size, sequence_length, d_model)`, *optional*):
                Token embeddings instead of ids (still scaled and given positions).
        """
        output_attentions = output_attentions if output_attentions is not None else self.config.output_attentions
        output_hidden_states = (
            output_hidden_states if output_hidden_states is not None else self.config.output_hidden_states
        )
        padding_mask = padding_mask_from(attention_mask)  # (B, S) or None
        x = self.embeddings(input_ids, inputs_embeds, padding_mask)  # (B, S, D)
        all_hidden, all_attentions = (), ()
        for layer in self.layers:
            if output_hidden_states:
                all_hidden += (x,)
            x, weights = layer(x, padding_mask, output_attentions=output_attentions)  # (B, S, D)
            if output_attentions:
                all_attentions += (weights,)  # (B, H, S, S)
        if self.final_layer_norm is not None:
            x = self.final_layer_norm(x)
        if output_hidden_states:
            all_hidden += (x,)
        return BaseModelOutput(
            last_hidden_state=x,
            hidden_states=all_hidden if output_hidden_states else None,
            attentions=all_attentions if output_attentions else None,
        )


class TransformerDecoder(TransformerPreTrainedModel):
    """Embeddings and the decoder stack: target ids (B, T) + encoder states (B, S, D) -> (B, T, D)."""

    def __init__(self, config: TransformerConfig):
        super().__init__(config)
        self.embeddings = TransformerEmbeddings(config)
        self.layers = nn.ModuleList(DecoderLayer(config, i) for i in range(config.decoder_layers))
        self.final_layer_norm = (nn.LayerNorm(config.d_model, eps=config.layer_norm_eps)
                                 if config.norm_style == "pre" else None)
        self.post_init()

    def get_input_embeddings(self):
        return self.embeddings.token_embedding

    def set_input_embeddings(self, value):
        self.embeddings.token_embedding = value

    def forward(
        self,
        input_ids: torch.LongTensor | None = None,
        attention_mask: torch.Tensor | None = None,
        encoder_hidden_states: torch.Tensor | None = None,
        encoder_attention_mask: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
        cache: EncoderDecoderCache | None = None,
        use_cache: bool | None = None,
        **kwargs,
    ) -> BaseModelOutputWithPastAndCrossAttentions:
        r"""
        Args:
            input_ids (`torch.LongTensor` of shape `(batch_size, target_length)`): Target ids (shifted right).
            attention_mask (`torch.Tensor` of shape `(batch_size, target_length)`, *optional*): Target padding
                (with a cache: over the cached tokens and these, `(batch_size, past_length + target_length)`).
            encoder_hidden_states (`torch.FloatTensor` of shape `(batch_size, source_length, d_model)`).
            encoder_attention_mask (`torch.Tensor` of shape `(batch_size, source_length)`, *optional*): Source padding.
            cache (`EncoderDecoderCache`, *optional*): Keys and values of the tokens decoded so far (self-attention)
                and of the encoder output (cross-attention); `input_ids` are then only the new tokens.
            use_cache (`bool`, *optional*): Start a cache when none is given, and return it.
        """
        if encoder_hidden_states is None:
            raise ValueError("TransformerDecoder needs encoder_hidden_states (the encoder output) to attend to.")
        output_attentions = output_attentions if output_attentions is not None else self.config.output_attentions
        output_hidden_states = (
            output_hidden_states if output_hidden_states is not None else self.config.output_hidden_states
        )
        if use_cache and cache is None:  # grows layer by layer (no config: decoder_layers may differ from encoder's)
            cache = EncoderDecoderCache(DynamicCache(), DynamicCache())
        past_length = cache.get_seq_length() if cache is not None else 0
        padding_mask = padding_mask_from(attention_mask)  # (B, past + T) or None
        x = self.embeddings(input_ids, inputs_embeds, padding_mask, past_length=past_length)  # (B, T, D)
        encoder_padding_mask = padding_mask_from(encoder_attention_mask)  # (B, S) or None
        all_hidden, all_self, all_cross = (), (), ()
        for layer in self.layers:
            if output_hidden_states:
                all_hidden += (x,)
            x, self_weights, cross_weights = layer(
                x, encoder_hidden_states, padding_mask, encoder_padding_mask, output_attentions=output_attentions,
                cache=cache,
            )
            if output_attentions:
                all_self += (self_weights,)  # (B, H, T, T)
                all_cross += (cross_weights,)  # (B, H, T, S)
        if self.final_layer_norm is not None:
            x = self.final_layer_norm(x)
        if output_hidden_states:
            all_hidden += (x,)
        return BaseModelOutputWithPastAndCrossAttentions(
            last_hidden_state=x,
            cache=cache,
            hidden_states=all_hidden if output_hidden_states else None,
            attentions=all_self if output_attentions else None,
            cross_attentions=all_cross if output_attentions else None,
        )


class TransformerModel(TransformerPreTrainedModel):
    """
    The encoder-decoder of the paper, without the output projection: source `input_ids` (B, S) and target
    `decoder_input_ids` (B, T) -> decoder states `last_hidden_state` (B, T, d_model). Batch-first; with the
    "base" preset, batch 3, source 10 and target 20 give (3, 20, 512), as `nn.Transformer(512, 8, 6)` gives
    (20, 3, 512) from sequence-first inputs. Source and target have separate embeddings (the paper shares them).
    """

    def __init__(self, config: TransformerConfig):
        super().__init__(config)
        self.encoder = TransformerEncoder(config)
        self.decoder = TransformerDecoder(config)
        self.post_init()

    def get_input_embeddings(self):
        return self.encoder.get_input_embeddings()

    def set_input_embeddings(self, value):
        self.encoder.set_input_embeddings(value)

    def get_encoder(self):
        return self.encoder

    def forward(
        self,
        input_ids: torch.LongTensor | None = None,
        attention_mask: torch.Tensor | None = None,
        decoder_input_ids: torch.LongTensor | None = None,
        decoder_attention_mask: torch.Tensor | None = None,
        encoder_outputs: BaseModelOutput | tuple | None = None,
        inputs_embeds: torch.Tensor | None = None,
        decoder_inputs_embeds: torch.Tensor | None = None,
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
        cache: EncoderDecoderCache | None = None,
        use_cache: bool | None = None,
        **kwargs,
    ) -> Seq2SeqModelOutput:
        r"""
        Args:
            input_ids (`torch.LongTensor` of shape `(batch_size, source_length)`): Source ids.
            attention_mask (`torch.Tensor` of shape `(batch_size, source_length)`, *optional*): Source padding.
            decoder_input_ids (`torch.LongTensor` of shape `(batch_size, target_length)`): Target ids, shifted right.
            decoder_attention_mask (`torch.Tensor` of shape `(batch_size, target_length)`, *optional*): Target padding;
                the causal mask is always applied on top of it.
            encoder_outputs (*optional*): A previous encoder output to reuse (e.g. while decoding step by step).
            cache (`EncoderDecoderCache`, *optional*), use_cache (`bool`, *optional*): see [`TransformerDecoder`].
        """
        if decoder_input_ids is None and decoder_inputs_embeds is None:
            raise ValueError("TransformerModel needs decoder_input_ids (the target sequence, shifted right).")
        if encoder_outputs is None:
            encoder_outputs = self.encoder(
                input_ids,
                attention_mask=attention_mask,
                inputs_embeds=inputs_embeds,
                output_attentions=output_attentions,
                output_hidden_states=output_hidden_states,
            )
        elif not isinstance(encoder_outputs, BaseModelOutput):
            encoder_outputs = BaseModelOutput(*encoder_outputs)
        decoder_outputs = self.decoder(
            decoder_input_ids,
            attention_mask=decoder_attention_mask,
            encoder_hidden_states=encoder_outputs.last_hidden_state,  # (B, S, D)
            encoder_attention_mask=attention_mask,
            inputs_embeds=decoder_inputs_embeds,
            output_attentions=output_attentions,
            output_hidden_states=output_hidden_states,
            cache=cache,
            use_cache=use_cache,
        )
        return Seq2SeqModelOutput(
            last_hidden_state=decoder_outputs.last_hidden_state,  # (B, T, D)
            cache=decoder_outputs.cache,
            decoder_hidden_states=decoder_outputs.hidden_states,
            decoder_attentions=decoder_outputs.attentions,
            cross_attentions=decoder_outputs.cross_attentions,
            encoder_last_hidden_state=encoder_outputs.last_hidden_state,
            encoder_hidden_states=encoder_outputs.hidden_states,
            encoder_attentions=encoder_outputs.attentions,
        )


class TransformerForSequenceClassification(TransformerPreTrainedModel):
    """
    Encoder -> pooling (first non-padding token, or mean or max over non-padding tokens) -> dropout ->
    Linear(D, labels). Works with `AutoModelForSequenceClassification`, the text-classification pipeline and
    `Trainer`.
    """

    def __init__(self, config: TransformerConfig):
        super().__init__(config)
        self.num_labels = config.num_labels
        self.encoder = TransformerEncoder(config)
        self.dropout = nn.Dropout(config.dropout)
        self.classifier = nn.Linear(config.d_model, config.num_labels)
        self.post_init()

    def get_input_embeddings(self):
        return self.encoder.get_input_embeddings()

    def set_input_embeddings(self, value):
        self.encoder.set_input_embeddings(value)

    def pool(self, hidden: torch.Tensor, attention_mask: torch.Tensor | None) -> torch.Tensor:
        """(B, T, D) -> (B, D). Padding on either side is skipped."""
        pooling = self.config.pooling
        if attention_mask is None:
            return {"first": hidden[:, 0], "mean": hidden.mean(dim=1), "max": hidden.amax(dim=1)}[pooling]
        keep = attention_mask.to(hidden.dtype)  # (B, T)
        if pooling == "first":
            first = attention_mask.long().argmax(dim=1)  # index of the first real token of each row: (B,)
            return hidden[torch.arange(hidden.shape[0], device=hidden.device), first]
        if pooling == "max":
            padding = ~attention_mask.bool().unsqueeze(-1)  # (B, T, 1)
            return hidden.masked_fill(padding, torch.finfo(hidden.dtype).min).amax(dim=1)
        return (hidden * keep.unsqueeze(-1)).sum(dim=1) / keep.sum(dim=1, keepdim=True)

    def forward(
        self,
        input_ids: torch.LongTensor | None = None,
        attention_mask: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        labels: torch.LongTensor | None = None,
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
        **kwargs,
    ) -> SequenceClassifierOutput:
        r"""
        Args:
            input_ids (`torch.LongTensor` of shape `(batch_size, sequence_length)`): Token ids, at most
                `max_position_embeddings` of them (longer raises a ValueError: truncate in the tokenizer).
            attention_mask (`torch.Tensor` of shape `(batch_size, sequence_length)`, *optional*): 1 = token, 0 = pad.
            labels (`torch.LongTensor` of shape `(batch_size,)`, *optional*): Class indices in `[0, num_labels)`
                (cross entropy); floats of shape `(batch_size,)` with `num_labels == 1` give a regression (MSE),
                and float multi-hot `(batch_size, num_labels)` a multi-label (BCE) loss.
            output_attentions (`bool`, *optional*): Return every layer's attention weights, `(B, H, T, T)` each.
        """
        outputs = self.encoder(
            input_ids,
            attention_mask=attention_mask,
            inputs_embeds=inputs_embeds,
            output_attentions=output_attentions,
            output_hidden_states=output_hidden_states,
        )
        pooled = self.pool(outputs.last_hidden_state, attention_mask)  # (B, D)
        logits = self.classifier(self.dropout(pooled))  # (B, num_labels)
        loss = None
        if labels is not None:
            loss = self.classification_loss(logits, labels.to(logits.device))
        return SequenceClassifierOutput(
            loss=loss, logits=logits, hidden_states=outputs.hidden_states, attentions=outputs.attentions
        )

    def classification_loss(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """The transformers convention: `config.problem_type`, inferred from `num_labels` and the labels' dtype."""
        if self.config.problem_type is None:
            if self.num_labels == 1:
                self.config.problem_type = "regression"
            elif labels.dtype in (torch.long, torch.int):
                self.config.problem_type = "single_label_classification"
            else:
                self.config.problem_type = "multi_label_classification"
        logits = logits.float()
        if self.config.problem_type == "regression":
            return F.mse_loss(logits.squeeze(-1), labels.float().view(-1))
        if self.config.problem_type == "single_label_classification":
            return F.cross_entropy(logits.view(-1, self.num_labels), labels.view(-1))
        return F.binary_cross_entropy_with_logits(logits, labels.float())


@dataclass
class EnsembleClassifierOutput(ModelOutput):
    """
    loss: mean of the members' losses (each member learns on its own; the average is not trained jointly).
    logits (B, num_labels): log of the members' mean probability, so softmax(logits) is the ensemble's prediction
        (for regression or multi-label problems, the mean of the members' logits).
    member_logits (B, num_members, num_labels): every member's own logits.
    hidden_states / attentions: every member's, joined per layer: (B, T, num_members * D) and
        (B, num_members * H, T, T) (member k's heads are k * H ... (k + 1) * H - 1).
    """

    loss: torch.Tensor | None = None
    logits: torch.Tensor | None = None
    member_logits: torch.Tensor | None = None
    hidden_states: tuple[torch.Tensor, ...] | None = None
    attentions: tuple[torch.Tensor, ...] | None = None


class TransformerEnsembleForSequenceClassification(TransformerPreTrainedModel):
    """
    `num_members` [`TransformerForSequenceClassification`]s of one architecture and tokenizer, each with its own
    weights; the prediction is their mean probability. Works with `AutoModelForSequenceClassification` and the
    text-classification pipeline like a single classifier; `members[k]` is a complete classifier on its own.
    """

    config: TransformerEnsembleConfig
    config_class = TransformerEnsembleConfig

    def __init__(self, config: TransformerEnsembleConfig):
        super().__init__(config)
        self.num_labels = config.num_labels
        self.members = nn.ModuleList(TransformerForSequenceClassification(config) for _ in range(config.num_members))
        self.post_init()

    def get_input_embeddings(self):
        return self.members[0].get_input_embeddings()

    @classmethod
    def from_members(cls, checkpoints: list, **kwargs) -> "TransformerEnsembleForSequenceClassification":
        """An ensemble of trained [`TransformerForSequenceClassification`] checkpoints (folders or Hub ids), which
        must share one architecture and one set of labels (read with the same tokenizer: check that separately).
        `kwargs` go to each member's `from_pretrained`."""
        if not checkpoints:
            raise ValueError("An ensemble needs at least one member checkpoint.")
        members = [TransformerForSequenceClassification.from_pretrained(c, **kwargs) for c in checkpoints]
        fields = [_architecture_fields(m.config) for m in members]
        for checkpoint, other in zip(checkpoints[1:], fields[1:]):
            differing = sorted(k for k in fields[0].keys() | other.keys() if fields[0].get(k) != other.get(k))
            if differing:
                raise ValueError(
                    f"Member {checkpoint} differs from {checkpoints[0]} in {', '.join(differing)}: ensemble members "
                    "must share one architecture and one set of labels (train them with the same options).")
        config = TransformerEnsembleConfig.from_dict({**fields[0], "num_members": len(members)})
        config._attn_implementation = members[0].config._attn_implementation
        ensemble = cls(config)
        for slot, member in zip(ensemble.members, members):
            slot.load_state_dict(member.state_dict())
        return ensemble.to(members[0].device)

    def forward(
        self,
        input_ids: torch.LongTensor | None = None,
        attention_mask: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        labels: torch.LongTensor | None = None,
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
        **kwargs,
    ) -> EnsembleClassifierOutput:
        r"""Inputs and labels as [`TransformerForSequenceClassification.forward`]."""
        outputs = [
            member(input_ids, attention_mask=attention_mask, inputs_embeds=inputs_embeds, labels=labels,
                   output_attentions=output_attentions, output_hidden_states=output_hidden_states)
            for member in self.members
        ]
        member_logits = torch.stack([o.logits for o in outputs], dim=1)  # (B, K, num_labels)
        if self.config.problem_type in ("regression", "multi_label_classification") or self.num_labels == 1:
            logits = member_logits.mean(dim=1)
        else:  # log of the mean probability: (B, num_labels)
            logits = member_logits.float().log_softmax(-1).logsumexp(dim=1) - math.log(len(self.members))
        loss = torch.stack([o.loss for o in outputs]).mean() if labels is not None else None

        def joined(name: str, dim: int):
            per_member = [getattr(o, name) for o in outputs]
            return None if per_member[0] is None else tuple(torch.cat(layer, dim=dim) for layer in zip(*per_member))

        return EnsembleClassifierOutput(loss=loss, logits=logits, member_logits=member_logits,
                                        hidden_states=joined("hidden_states", -1), attentions=joined("attentions", 1))


def _architecture_fields(config: TransformerConfig) -> dict:
    """What two members must agree on: every config field but bookkeeping (names, versions, code pointers)."""
    skip = {"_name_or_path", "transformers_version", "architectures", "auto_map", "model_type", "dtype", "torch_dtype"}
    return {k: v for k, v in config.to_dict().items() if k not in skip}


class MaskedLMHead(nn.Module):
    """BERT's prediction head: Linear(D, D) -> activation -> LayerNorm -> Linear(D, vocab), the last one tied to
    the token embedding."""

    def __init__(self, config: TransformerConfig):
        super().__init__()
        self.dense = nn.Linear(config.d_model, config.d_model)
        self.act = ACT2FN[config.activation]
        self.layer_norm = nn.LayerNorm(config.d_model, eps=config.layer_norm_eps)
        self.decoder = nn.Linear(config.d_model, config.vocab_size)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.layer_norm(self.act(self.dense(hidden))))  # (B, T, D) -> (B, T, vocab)


class TransformerForMaskedLM(TransformerPreTrainedModel):
    """
    Encoder -> masked-language-model head: predicts the tokens hidden behind `[MASK]` (BERT's pre-training).
    Works with `AutoModelForMaskedLM` and the fill-mask pipeline. Its encoder weights carry over to
    [`TransformerForSequenceClassification`]: `from_pretrained(<this checkpoint>)` loads `encoder.*` and starts a
    new classifier.
    """

    _tied_weights_keys = {"lm_head.decoder.weight": "encoder.embeddings.token_embedding.weight"}

    def __init__(self, config: TransformerConfig):
        super().__init__(config)
        self.encoder = TransformerEncoder(config)
        self.lm_head = MaskedLMHead(config)
        self.post_init()

    def get_input_embeddings(self):
        return self.encoder.get_input_embeddings()

    def set_input_embeddings(self, value):
        self.encoder.set_input_embeddings(value)

    def get_output_embeddings(self):
        return self.lm_head.decoder

    def set_output_embeddings(self, value):
        self.lm_head.decoder = value

    def forward(
        self,
        input_ids: torch.LongTensor | None = None,
        attention_mask: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        labels: torch.LongTensor | None = None,
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
        **kwargs,
    ) -> MaskedLMOutput:
        r"""
        Args:
            input_ids (`torch.LongTensor` of shape `(batch_size, sequence_length)`): Token ids, some of them
                `[MASK]`.
            attention_mask (`torch.Tensor` of shape `(batch_size, sequence_length)`, *optional*): 1 = token, 0 = pad.
            labels (`torch.LongTensor` of shape `(batch_size, sequence_length)`, *optional*): The original token
                at each masked position and -100 elsewhere; the loss is the cross entropy over the masked
                positions only.

        Returns `logits` of shape `(batch_size, sequence_length, vocab_size)`, except in training mode with
        `labels`, where they are `None`: only the masked positions (~15%) go through the vocabulary projection,
        which over every position would cost more than the encoder itself.
        """
        outputs = self.encoder(
            input_ids,
            attention_mask=attention_mask,
            inputs_embeds=inputs_embeds,
            output_attentions=output_attentions,
            output_hidden_states=output_hidden_states,
        )
        hidden = outputs.last_hidden_state  # (B, T, D)
        loss = None
        if labels is not None:
            labels = labels.to(hidden.device)
            masked = labels != -100  # score only the masked positions: (B, T) -> (M,) rows
            logits_masked = self.lm_head(hidden[masked]).float()  # (M, vocab)
            loss = F.cross_entropy(logits_masked, labels[masked]) if masked.any() else logits_masked.sum() * 0.0
        logits = None if (self.training and labels is not None) else self.lm_head(hidden)  # (B, T, vocab)
        return MaskedLMOutput(loss=loss, logits=logits, hidden_states=outputs.hidden_states,
                              attentions=outputs.attentions)


# --- sequence to sequence -------------------------------------------------------------------------------------


def shift_tokens_right(labels: torch.Tensor, pad_token_id: int, decoder_start_token_id: int) -> torch.Tensor:
    """labels (B, T) -> decoder inputs (B, T): `[start, y_0, ..., y_{T-2}]`, with -100 (ignored) read as padding.

    Teacher forcing: the decoder reads the target one step behind, so position t predicts y_t from y_<t.
    """
    shifted = labels.new_full(labels.shape, pad_token_id)
    shifted[:, 1:] = labels[:, :-1]
    shifted[:, 0] = decoder_start_token_id
    return shifted.masked_fill(shifted == -100, pad_token_id)


class TransformerForSeq2SeqLM(TransformerPreTrainedModel, GenerationMixin):
    """
    The paper's whole model: [`TransformerModel`] (encoder-decoder) and a language-model head, Linear(D, vocab),
    over the decoder states. Source ids (B, S) and target ids (B, T) -> next-token logits (B, T, vocab).

    Configured by [`TransformerSeq2SeqConfig`]. With `tie_word_embeddings=True` (its default) the encoder's token
    embedding, the decoder's and the head are one matrix, as in the paper (3.4; source and target then share one
    vocabulary). `labels` (B, T) give the loss: they are shifted right behind `decoder_start_token_id` to make the
    decoder's input, and -100 marks positions (padding) the loss ignores. Works with `AutoModelForSeq2SeqLM` and
    `generate()` (greedy, beam search, sampling), which carries the decoder's keys and values in an
    `EncoderDecoderCache`: each new token costs one decoder position, and the encoder output's keys and values are
    projected once per layer, at the first step.
    """

    _tied_weights_keys = {
        "lm_head.weight": "transformer.encoder.embeddings.token_embedding.weight",
        "transformer.decoder.embeddings.token_embedding.weight":
            "transformer.encoder.embeddings.token_embedding.weight",
    }

    config: TransformerSeq2SeqConfig
    config_class = TransformerSeq2SeqConfig

    def __init__(self, config: TransformerSeq2SeqConfig):
        if config.model_type != TransformerSeq2SeqConfig.model_type:  # (by name: remote code has its own classes)
            raise TypeError(f"TransformerForSeq2SeqLM takes a TransformerSeq2SeqConfig, got {type(config).__name__}: "
                            "build one with the same fields, TransformerSeq2SeqConfig(**fields).")
        super().__init__(config)
        self.transformer = TransformerModel(config)
        self.lm_head = nn.Linear(config.d_model, config.vocab_size, bias=False)
        self.post_init()
        if self.generation_config is not None:
            self.generation_config.decoder_start_token_id = self.decoder_start_token_id

    @property
    def decoder_start_token_id(self) -> int | None:
        """The token the decoder starts from: `config.decoder_start_token_id` if set, else `bos_token_id`."""
        start = getattr(self.config, "decoder_start_token_id", None)
        return start if start is not None else self.config.bos_token_id

    def get_input_embeddings(self):
        return self.transformer.encoder.get_input_embeddings()

    def set_input_embeddings(self, value):
        self.transformer.encoder.set_input_embeddings(value)

    def get_output_embeddings(self):
        return self.lm_head

    def set_output_embeddings(self, value):
        self.lm_head = value

    def get_encoder(self):
        return self.transformer.encoder

    def get_decoder(self):
        return self.transformer.decoder

    def forward(
        self,
        input_ids: torch.LongTensor | None = None,
        attention_mask: torch.Tensor | None = None,
        decoder_input_ids: torch.LongTensor | None = None,
        decoder_attention_mask: torch.Tensor | None = None,
        encoder_outputs: BaseModelOutput | tuple | None = None,
        cache: EncoderDecoderCache | None = None,
        inputs_embeds: torch.Tensor | None = None,
        decoder_inputs_embeds: torch.Tensor | None = None,
        labels: torch.LongTensor | None = None,
        use_cache: bool | None = None,
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
        **kwargs,
    ) -> Seq2SeqLMOutput:
        r"""
        Args:
            input_ids (`torch.LongTensor` of shape `(batch_size, source_length)`): Source ids, at most
                `max_position_embeddings` (longer raises a ValueError: truncate in the tokenizer).
            attention_mask (`torch.Tensor` of shape `(batch_size, source_length)`, *optional*): Source padding.
            decoder_input_ids (`torch.LongTensor` of shape `(batch_size, target_length)`, *optional*): The target
                read by the decoder, starting with `decoder_start_token_id` (with a `cache`: only the new tokens).
                Leave it out when passing `labels`: it is made from them.
            decoder_attention_mask (`torch.Tensor`, *optional*): Target padding (the causal mask always applies).
            encoder_outputs (*optional*): The encoder output, to reuse (generate() computes it once).
            cache (`EncoderDecoderCache`, *optional*), use_cache (`bool`, *optional*): Keys and values of the tokens
                decoded so far; `use_cache=True` starts one and returns it as `cache`.
            labels (`torch.LongTensor` of shape `(batch_size, target_length)`, *optional*): The target, ending with
                `eos_token_id`, -100 at padding. Loss: mean cross entropy over the positions that are not -100.

        Returns `logits` of shape `(batch_size, target_length, vocab_size)`, `loss` with labels, `cache` when caching.
        """
        start = self.decoder_start_token_id
        if labels is not None and decoder_input_ids is None and decoder_inputs_embeds is None:
            if start is None or self.config.pad_token_id is None:
                raise ValueError("Training from labels needs config.decoder_start_token_id (or bos_token_id) and "
                                 "pad_token_id: set them to the tokenizer's start and padding ids.")
            decoder_input_ids = shift_tokens_right(labels, self.config.pad_token_id, start)  # (B, T)
        past_length = cache.get_seq_length() if cache is not None else 0
        if decoder_input_ids is not None and past_length == 0:
            check_decoder_start(decoder_input_ids, decoder_attention_mask, start)
        outputs = self.transformer(
            input_ids=input_ids,
            attention_mask=attention_mask,
            decoder_input_ids=decoder_input_ids,
            decoder_attention_mask=decoder_attention_mask,
            encoder_outputs=encoder_outputs,
            inputs_embeds=inputs_embeds,
            decoder_inputs_embeds=decoder_inputs_embeds,
            output_attentions=output_attentions,
            output_hidden_states=output_hidden_states,
            cache=cache,
            use_cache=use_cache,
        )
        logits = self.lm_head(outputs.last_hidden_state)  # (B, T, vocab)
        loss = None
        if labels is not None:
            labels = labels.to(logits.device)
            loss = F.cross_entropy(logits.float().view(-1, logits.shape[-1]), labels.view(-1), ignore_index=-100)
        return Seq2SeqLMOutput(
            loss=loss,
            logits=logits,
            cache=outputs.cache,
            decoder_hidden_states=outputs.decoder_hidden_states,
            decoder_attentions=outputs.decoder_attentions,
            cross_attentions=outputs.cross_attentions,
            encoder_last_hidden_state=outputs.encoder_last_hidden_state,
            encoder_hidden_states=outputs.encoder_hidden_states,
            encoder_attentions=outputs.encoder_attentions,
        )

    def _prepare_cache_for_generation(self, generation_config, model_kwargs, *args, **kwargs):
        """generate() sizes its default cache by `num_hidden_layers`, which this config maps to the encoder; the
        decoder may be deeper or shallower, so a default dynamic cache is replaced by one that grows per layer."""
        super()._prepare_cache_for_generation(generation_config, model_kwargs, *args, **kwargs)
        cache = model_kwargs.get("cache")
        if (isinstance(cache, EncoderDecoderCache) and not getattr(cache, "_is_user_defined", False)
                and type(cache.self_attention_cache) is DynamicCache):
            model_kwargs["cache"] = EncoderDecoderCache(DynamicCache(), DynamicCache())


def check_decoder_start(decoder_input_ids: torch.Tensor, decoder_attention_mask: torch.Tensor | None,
                        start: int | None) -> None:
    """A target must begin with the decoder start token (the model never saw any other first token in training)."""
    if start is None:
        return
    if decoder_input_ids.shape[1] == 0:
        raise ValueError("decoder_input_ids is empty: the target must start with the decoder start token "
                         f"(id {start}).")
    first = (decoder_input_ids[:, 0] if decoder_attention_mask is None else
             decoder_input_ids.gather(1, decoder_attention_mask.long().argmax(dim=1, keepdim=True))[:, 0])  # (B,)
    if not bool((first == start).all()):
        raise ValueError(
            f"decoder_input_ids must start with the decoder start token (id {start}); got first tokens "
            f"{first.tolist()[:8]}. Pass `labels` instead (the model shifts them right behind the start token), or "
            f"prepend the start token, as generate() does."
        )


__all__ = [
    "TransformerEncoder",
    "TransformerDecoder",
    "TransformerForMaskedLM",
    "TransformerForSeq2SeqLM",
    "TransformerForSequenceClassification",
    "TransformerModel",
    "TransformerPreTrainedModel",
    "shift_tokens_right",
]
