"""A text-to-text pipeline for [`TransformerForSeq2SeqLM`]: text in, generated text out.

transformers v5 has no `text2text-generation` or `translation` task any more (it refuses those names), so
classicnets registers this one as `seq2seq-generation` (through `PIPELINE_REGISTRY`, when `import classicnets` runs):

    import classicnets
    from transformers import pipeline

    restore = pipeline("seq2seq-generation", model="outputs/transformer-seq2seq")   # a folder or a Hub id
    restore(["to be or not to be that is the question"], num_beams=4)
    # [[{'generated_text': 'To be, or not to be, that is the question:'}]]   (a list per input text)

A checkpoint saved by the transformer-seq2seq recipe also names this class in its config (`custom_pipelines`) and
carries this file, so `pipeline(model=<hub id>, trust_remote_code=True)` finds it where classicnets is not
installed. This module therefore imports nothing from classicnets.

Generation options (`num_beams`, `do_sample`, `max_new_tokens`, `num_return_sequences`, ...) go to `generate()`,
at construction or per call. Without `max_new_tokens`/`max_length`, generation may run to the decoder's last
position (`max_position_embeddings`). Inputs longer than the model's limit raise an error unless
`truncation=True`; an empty text raises one too.
"""

import torch
from transformers import Pipeline


class Text2TextGenerationPipeline(Pipeline):
    _pipeline_calls_generate = True
    _load_processor = False
    _load_image_processor = False
    _load_feature_extractor = False
    _load_tokenizer = True
    _default_generation_config = None  # the model's own generation config (greedy unless it says otherwise)

    def _sanitize_parameters(self, truncation=None, skip_special_tokens=None, clean_up_tokenization_spaces=None,
                             **generate_kwargs):
        preprocess = {} if truncation is None else {"truncation": truncation}
        postprocess = {}
        if skip_special_tokens is not None:
            postprocess["skip_special_tokens"] = skip_special_tokens
        if clean_up_tokenization_spaces is not None:
            postprocess["clean_up_tokenization_spaces"] = clean_up_tokenization_spaces
        return preprocess, generate_kwargs, postprocess

    def preprocess(self, text, truncation: bool = False):
        if not isinstance(text, str):
            raise TypeError(f"seq2seq-generation takes a string (or a list of strings), got {type(text).__name__}.")
        if not text.strip():
            raise ValueError("The source text is empty: give at least one character to transform.")
        limit = self.model.config.max_position_embeddings
        return self.tokenizer(text, return_tensors="pt", truncation=truncation,
                              max_length=limit if truncation else None)

    def _forward(self, model_inputs, **generate_kwargs):
        generate_kwargs = self._prepare_generate_kwargs(generate_kwargs)
        if not {"max_new_tokens", "max_length"} & self._get_set_generation_params(generate_kwargs).keys():
            # The decoder reads at most max_position_embeddings tokens, its start token included.
            generate_kwargs["max_new_tokens"] = self.model.config.max_position_embeddings - 1
        in_b = model_inputs["input_ids"].shape[0]
        output = self.model.generate(**model_inputs, **generate_kwargs)  # (in_b * n, L)
        sequences = output.sequences if hasattr(output, "sequences") else output
        return {"output_ids": sequences.reshape(in_b, -1, sequences.shape[-1])}  # (in_b, n, L)

    def postprocess(self, model_outputs, skip_special_tokens: bool = True, clean_up_tokenization_spaces: bool = False):
        ids: torch.Tensor = model_outputs["output_ids"][0]  # (n, L): this input's sequences
        return [
            {"generated_text": self.tokenizer.decode(row, skip_special_tokens=skip_special_tokens,
                                                     clean_up_tokenization_spaces=clean_up_tokenization_spaces)}
            for row in ids
        ]


__all__ = ["Text2TextGenerationPipeline"]
