"""Test utilities shipped with classicnets.

`LoopbackHub` is a small Hugging Face Hub-compatible HTTP server that runs in a background thread, so the real
`huggingface_hub`, `transformers` and `datasets` clients can push and pull without the internet::

    from classicnets.testing import LoopbackHub

    with LoopbackHub() as hub:
        env = hub.client_env(hf_home="/tmp/hf-home")   # HF_ENDPOINT, HF_TOKEN, HF_HUB_DISABLE_XET, ...
        subprocess.run([sys.executable, "my_script.py"], env=env, check=True)
"""

from .loopback_hub import LoopbackHub, client_env

__all__ = ["LoopbackHub", "client_env"]
