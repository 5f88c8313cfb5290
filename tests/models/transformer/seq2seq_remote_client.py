"""Run by test_seq2seq_pipeline.py through tests/hub/clients/without_classicnets.py (classicnets NOT importable):
a transformer-seq2seq checkpoint, from a folder or by Hub id, loads from the code stored beside it
(`trust_remote_code=True`) as an AutoModelForSeq2SeqLM and as its own seq2seq-generation pipeline. With
"trust_remote_code": false in PARAMS (run directly, classicnets installed), the same loads use classicnets' classes.

    python without_classicnets.py seq2seq_remote_client.py PARAMS.json RESULT.json
    python seq2seq_remote_client.py PARAMS.json RESULT.json
"""

import json
import sys
from pathlib import Path

import torch

torch.set_num_threads(1)

from transformers import AutoModelForSeq2SeqLM, AutoTokenizer, pipeline  # noqa: E402

params = json.loads(Path(sys.argv[1]).read_text())
remote = {"trust_remote_code": True} if params.get("trust_remote_code", True) else {}
result = {"classicnets_importable": True, "loads": {}}
try:
    import classicnets  # noqa: F401
except ImportError:
    result["classicnets_importable"] = False

for label, where in params["checkpoints"].items():
    try:
        model = AutoModelForSeq2SeqLM.from_pretrained(where, **remote).eval()
        tokenizer = AutoTokenizer.from_pretrained(where)
        inputs = tokenizer(params["texts"], return_tensors="pt", padding=True)
        with torch.no_grad():
            ids = model.generate(**inputs, max_new_tokens=params["max_new_tokens"], do_sample=False)
        restore = pipeline("seq2seq-generation", model=where, **remote)
        result["loads"][label] = {
            "model_module": type(model).__module__,
            "pipeline_class": type(restore).__name__,
            "pipeline_module": type(restore).__module__,
            "generated": tokenizer.batch_decode(ids, skip_special_tokens=True),
            "pipeline": restore(params["texts"], max_new_tokens=params["max_new_tokens"]),
        }
    except Exception as err:  # reported to the test, which shows it
        result["loads"][label] = {"error": f"{type(err).__name__}: {err}"}
result["classicnets_in_sys_modules"] = any(m == "classicnets" or m.startswith("classicnets.") for m in sys.modules)
Path(sys.argv[2]).write_text(json.dumps(result, indent=1))
