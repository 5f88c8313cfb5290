"""Round trips through the loopback Hub with the real clients, each in a fresh process (see conftest.py).

One module-scoped publication (client_push) feeds every reader: a fresh cache with a token (client_load), the
same cache offline (client_offline), a process where classicnets cannot be imported and no token is set
(client_remote_code). The failure paths run against a Hub of their own (client_errors).
"""

import json

import pytest

from .conftest import ClientRun, run_client, tree_fingerprint

pytestmark = pytest.mark.slow

WRONG_TOKEN = "hf_WrongTokenForTests0123456789abcdef"


@pytest.fixture(scope="module")
def published(loopback_hub, tmp_path_factory):
    work = tmp_path_factory.mktemp("hub-roundtrip")
    user = loopback_hub.user
    params = {
        "workdir": str(work),
        "repo_p2h": f"{user}/char-lstm-push-to-hub",
        "repo_ckpt": f"{user}/char-lstm-checkpoint",
        "repo_ds": f"{user}/tiny-text",
        "token": loopback_hub.token,
    }
    env = loopback_hub.client_env(work / "hf-home-push")
    result = run_client("client_push.py", env, params, work)
    params.update(commit_a=result["commit_a"], commit_b=result["commit_b"], wrong_token=WRONG_TOKEN,
                  repo_never_downloaded=f"{user}/never-downloaded")
    state = {"work": work, "params": params, "push": result}
    # The two readers are independent (own caches, read-only): run them side by side.
    state["load"] = ClientRun("client_load.py", loopback_hub.client_env(work / "hf-home-load"), params, work)
    state["remote"] = ClientRun("client_remote_code.py", loopback_hub.client_env(work / "hf-home-remote", token=None),
                                params, work, hide_classicnets=True)
    yield state
    state["load"].kill()
    state["remote"].kill()


def test_push_stored_everything_on_the_hub(loopback_hub, published):
    work, p = published["work"], published["params"]
    files = loopback_hub.list_files(p["repo_ckpt"])
    local = {f.name: f.read_bytes() for f in (work / "ckpt_a").iterdir() if f.is_file()}
    for name in ("config.json", "model.safetensors", "generation_config.json", "tokenizer_config.json",
                 "vocab.json", "modeling_char_lstm.py", "configuration_char_lstm.py", "tokenization_char_lstm.py",
                 "README.md", "samples.png"):
        assert files.get(name) == local[name], f"{name} differs or is missing on the Hub"
    config = json.loads(files["config.json"])
    assert config["auto_map"]["AutoModelForCausalLM"].startswith("modeling_char_lstm.")
    # The experiment branch holds checkpoint B; main and the tag still A.
    assert loopback_hub.list_files(p["repo_ckpt"], "experiment")["model.safetensors"] == (
        work / "ckpt_b" / "model.safetensors").read_bytes()
    assert loopback_hub.list_files(p["repo_ckpt"], "v1.0")["model.safetensors"] == local["model.safetensors"]
    p2h = loopback_hub.list_files(p["repo_p2h"])
    assert {"config.json", "model.safetensors", "vocab.json", "modeling_char_lstm.py",
            "tokenization_char_lstm.py"} <= set(p2h)
    assert p2h["model.safetensors"] == local["model.safetensors"]
    # The model card never shows the token, although it was among the hyperparameters.
    assert loopback_hub.token not in files["README.md"].decode()
    assert loopback_hub.unhandled == [], f"client requests the loopback Hub does not know: {loopback_hub.unhandled}"


def test_load_back_from_a_fresh_cache(loopback_hub, published):
    p, ref = published["params"], published["push"]
    result = published["load"].result()
    for label, load in result["loads"].items():
        assert "error" not in load, f"{label}: {load.get('error')}"
        assert load["model_class"].startswith("classicnets."), label
        assert load["tokenizer_class"] == "CharTokenizer", label
        assert load["same_weights"] and load["same_file"], f"{label}: weights not bit-identical"
        assert load["outputs"] == ref[f"ref_{load['expected']}"], f"{label}: outputs differ"
    assert ref["ref_a"]["logits"] != ref["ref_b"]["logits"]  # the revisions really are different models
    assert result["private"] is True
    assert {"README.md", "samples.png", "model.safetensors"} <= set(result["siblings"])
    assert result["branches"] == ["experiment", "main"]
    assert result["tags"] == {"v1.0": p["commit_a"]}
    card = result["card"]
    assert card["library_name"] == "transformers" and card["license"] == "apache-2.0"
    assert card["pipeline_tag"] == "text-generation"
    assert card["datasets"] == ["karpathy/tiny_shakespeare"]
    assert ["perplexity", 5.25, "karpathy/tiny_shakespeare"] in card["eval_results"]
    assert card["text_has_image"] and result["image_bytes_equal"]
    assert result["dataset"] == ref["dataset_rows"]


def test_offline_mode_loads_from_the_cache(loopback_hub, published):
    work, p, ref = published["work"], published["params"], published["push"]
    # Reuse the cache client_load filled; wait for both readers so that no other client talks to the Hub.
    published["load"].result()
    published["remote"].result()
    served_before = len(loopback_hub.requests)
    env = loopback_hub.client_env(work / "hf-home-load", offline=True)
    result = run_client("client_offline.py", env, p, work)
    assert result["offline_flag"] is True
    for label, load in result["loads"].items():
        assert "error" not in load, f"{label}: {load.get('error')}"
        expected = ref["ref_a"]
        assert load["outputs"] == expected, f"{label}: outputs differ offline"
    assert "offline" in result["uncached"].lower() or "cache" in result["uncached"].lower()
    assert len(loopback_hub.requests) == served_before, "offline mode still sent requests to the Hub"


def test_remote_code_without_classicnets_and_private_repos_without_token(loopback_hub, published):
    ref = published["push"]
    result = published["remote"].result()
    assert result["classicnets_importable"] is False
    assert result["classicnets_in_sys_modules"] is False
    assert result["model_module"].startswith("transformers_modules."), result["model_module"]
    assert result["tokenizer_module"].startswith("transformers_modules."), result["tokenizer_module"]
    assert result["outputs"] == ref["ref_a"]
    for name, attempt in result["private"].items():
        assert attempt["visible"] is False, f"private repo visible without a token via {name}"
    assert result["private"]["model_info"]["type"] == "RepositoryNotFoundError"
    assert result["private"]["model_info"]["status"] == 401
    wrong = result["wrong_token"]
    assert wrong["raised"] and wrong["status"] == 401
    assert "Invalid credentials" in wrong["text"]
    assert WRONG_TOKEN not in wrong["text"]


def test_push_errors_are_clear_and_never_show_the_token(fresh_hub, published):
    """Wrong token, a Hub that stops while the commit is sent, then no Hub at all; the checkpoint stays as is."""
    work = published["work"]
    checkpoint = work / "ckpt_a"
    before = tree_fingerprint(checkpoint)
    fresh_hub.inject_fault(r"^POST /api/models/[^ ]+/commit/", "drop", stop_server=True)
    params = {"checkpoint": str(checkpoint), "repo": f"{fresh_hub.user}/doomed", "wrong_token": WRONG_TOKEN}
    env = fresh_hub.client_env(work / "hf-home-errors")
    result = run_client("client_errors.py", env, params, work / "errors")

    wrong = result["wrong_token"]
    assert wrong["raised"] and wrong["reason"] == "auth" and wrong["status"] == 401, wrong
    assert "hf auth login" in wrong["text"] and "--token" in wrong["text"]
    assert result["cli_wrong_token"]["exit"] == 1
    assert "hf auth login" in result["cli_wrong_token"]["stderr"]

    cut = result["cut_off"]
    assert cut["raised"] and cut["reason"] == "interrupted", cut
    assert "cut off half-way" in cut["text"] and "again" in cut["text"]
    unreachable = result["unreachable"]
    assert unreachable["raised"] and unreachable["reason"] == "unreachable", unreachable
    assert "Could not reach" in unreachable["text"] and fresh_hub.url in unreachable["text"]
    assert result["cli_unreachable"]["exit"] == 1 and "Could not reach" in result["cli_unreachable"]["stderr"]

    # Nothing was committed: the repo exists (created before the cut) with only its initial commit.
    assert fresh_hub.repo_exists(params["repo"]) and fresh_hub.commit_count(params["repo"]) == 1
    assert tree_fingerprint(checkpoint) == before, "the local checkpoint was modified by a failed push"
    everything = json.dumps(result)  # messages, reprs, CLI output, every log record at DEBUG level
    for token in (WRONG_TOKEN, fresh_hub.token):
        assert token not in everything
        assert token not in result["_stderr"] and token not in result["_stdout"]
