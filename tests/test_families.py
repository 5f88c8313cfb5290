"""Every family and every recipe is complete, and a new family needs no edit outside its own folders.

The families are those `classicnets.models.registry.families()` finds and the recipes those
`classicnets.training.recipes.recipe_names()` lists: a family or recipe added later is checked here without
any edit of this file. The last test writes a throwaway family (a toy GRU language model: its model folder,
recipe module and card template, nothing else) into a copy of the package and trains it with
`classicnets train`.
"""

import ast
import dataclasses
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
import transformers
from transformers.models.auto.configuration_auto import CONFIG_MAPPING
from transformers.models.auto.tokenization_auto import TOKENIZER_MAPPING
from transformers.pipelines import PIPELINE_REGISTRY

import classicnets
from classicnets.cli import main
from classicnets.hub import CardSpec, render_model_card
from classicnets.models.registry import families, family_auto_classes
from classicnets.training import TrainingArguments
from classicnets.training.recipes import get_recipe_class, recipe_names

PACKAGE = Path(classicnets.__file__).parent
FAMILIES = [family.__name__.rsplit(".", 1)[1] for family in families()]
SPECS = family_auto_classes()
MODELS = [(auto_name, model_cls, spec["config"]) for spec in SPECS
          for auto_name, model_cls in spec["models"].items()]
RECIPE_NAMES = recipe_names()


def test_discovery_finds_every_family_and_recipe():
    assert {"char_lstm", "gan", "lenet", "transformer"} <= set(FAMILIES)
    assert {"char-lstm", "gan-mnist", "lenet-mnist", "transformer-sst2"} <= set(RECIPE_NAMES)
    assert all(get_recipe_class(name).name == name for name in RECIPE_NAMES)
    with pytest.raises(ValueError, match="Unknown recipe 'nope'; choose one of: char-lstm"):
        get_recipe_class("nope")


@pytest.mark.parametrize("family", families(), ids=FAMILIES)
def test_family_exports_its_names_once(family):
    assert family.__all__ and all(hasattr(family, name) for name in family.__all__)
    others = {name for other in families() if other is not family for name in other.__all__}
    assert not set(family.__all__) & others, "two families export one name: classicnets.<name> is ambiguous"
    assert all(getattr(classicnets, name) is getattr(family, name) for name in family.__all__)


@pytest.mark.parametrize("spec", SPECS, ids=[spec["config"].__name__ for spec in SPECS])
def test_family_is_registered_with_transformers(spec):
    config_cls = spec["config"]
    assert CONFIG_MAPPING[config_cls.model_type] is config_cls
    for auto_name, model_cls in spec["models"].items():
        assert getattr(transformers, auto_name)._model_mapping[config_cls] is model_cls, auto_name
    if spec.get("tokenizer") is not None:
        assert TOKENIZER_MAPPING[config_cls] is spec["tokenizer"]
    for pipeline in spec.get("pipelines", []):
        assert PIPELINE_REGISTRY.supported_tasks[pipeline["task"]]["impl"] is pipeline["pipeline_class"]
    # Every config builds its "tiny" preset: the size the tests and smoke runs use.
    assert isinstance(config_cls.from_preset("tiny"), config_cls)


@pytest.mark.parametrize(("auto_name", "model_cls", "config_cls"), MODELS,
                         ids=[f"{auto_name}-{model_cls.__name__}" for auto_name, model_cls, _ in MODELS])
def test_tiny_model_round_trips_through_its_auto_class(auto_name, model_cls, config_cls, tmp_path):
    torch.manual_seed(0)
    model = model_cls(config_cls.from_preset("tiny"))
    model.save_pretrained(tmp_path)
    loaded = getattr(transformers, auto_name).from_pretrained(tmp_path)
    assert type(loaded) is model_cls
    saved, back = model.state_dict(), loaded.state_dict()
    assert saved.keys() == back.keys() and all(torch.equal(saved[k], back[k]) for k in saved)
    # The modelling code travels with the weights (trust_remote_code=True without classicnets): it imports
    # nothing of classicnets, and every file it imports relatively came along.
    assert auto_name in json.loads((tmp_path / "config.json").read_text())["auto_map"]
    for code in tmp_path.glob("*.py"):
        tree = ast.parse(code.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level:
                assert node.level == 1 and (tmp_path / f"{node.module}.py").is_file(), (code, node.module)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [node.module] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                assert not any(n.split(".")[0] == "classicnets" for n in names), (code.name, names)


@pytest.mark.parametrize("name", RECIPE_NAMES)
def test_recipe_options_are_documented_in_its_help(name, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", name, "--help"])
    assert exit_info.value.code == 0
    shown = re.sub(r"\s+", "", capsys.readouterr().out)  # argparse wraps lines (and breaks at hyphens)
    for dataclass_type in (get_recipe_class(name).arguments_class, TrainingArguments):
        for field in dataclasses.fields(dataclass_type):
            text = field.metadata.get("help", "")
            assert text.strip(), f"--{field.name} of {dataclass_type.__name__} has no help text"
            assert f"--{field.name}" in shown and re.sub(r"\s+", "", text) in shown, f"--{field.name}"


def _model_for_card(card: CardSpec):
    """The registered model the card describes: its auto class, and a config with every architecture key."""
    for auto_name, model_cls, config_cls in MODELS:
        config = config_cls.from_preset("tiny")
        if auto_name == card.auto_class and set(card.architecture_keys) <= set(config.to_dict()):
            return model_cls(config)
    return None


@pytest.mark.parametrize("name", RECIPE_NAMES)
def test_recipe_card_template_exists_and_renders(name, tmp_path):
    recipe_cls = get_recipe_class(name)
    card = recipe_cls.card
    assert isinstance(card, CardSpec), f"{name} declares no model card"
    assert card.template == PACKAGE / "training" / "recipes" / "cards" / f"{name}.md"
    assert card.template.is_file()
    model = _model_for_card(card)
    assert model is not None, f"no family has a {card.auto_class} whose config has {card.architecture_keys}"
    model.save_pretrained(tmp_path)
    shown = [key for key in card.architecture_keys if model.config.to_dict()[key] is not None]
    rendered = str(render_model_card(card, tmp_path, {"loss": 1.25}, repo_id="my-org/my-model",
                                     training_command=f"classicnets train {name} --max_steps 3",
                                     hyperparameters={"learning_rate": 0.001}))
    assert "my-org/my-model" in rendered and "1.25" in rendered and f"classicnets train {name}" in rendered
    assert shown and all(f"`{key}`" in rendered for key in shown)


@pytest.mark.parametrize("name", RECIPE_NAMES)
def test_recipe_imports_no_other_recipe(name):
    """What two recipes share lives in training/ (or data/, evaluation/), never in another recipe module."""
    path = PACKAGE / "training" / "recipes" / f"{name.replace('-', '_')}.py"
    others = {other.replace("-", "_") for other in RECIPE_NAMES} - {name.replace("-", "_")}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            imported = ({module.split(".")[0]} | {a.name for a in node.names} if node.level == 1
                        else {module.rsplit(".", 1)[-1]} if module.startswith("classicnets.training.recipes")
                        else set())
            assert not imported & others, f"{path.name} imports recipe {imported & others}"


# --- a throwaway family, written into a copy of the package -------------------------------------------------

TOY_FILES = {
    "models/toy_gru/__init__.py": '''
        from .configuration_toy_gru import PRESETS as TOY_GRU_PRESETS
        from .configuration_toy_gru import ToyGRUConfig
        from .modeling_toy_gru import ToyGRUForCausalLM

        AUTO_CLASSES = {"config": ToyGRUConfig, "models": {"AutoModelForCausalLM": ToyGRUForCausalLM},
                        "presets": TOY_GRU_PRESETS}

        __all__ = ["TOY_GRU_PRESETS", "ToyGRUConfig", "ToyGRUForCausalLM"]
    ''',
    "models/toy_gru/configuration_toy_gru.py": '''
        """A toy GRU language model: the throwaway family of tests/test_families.py."""

        from transformers import PreTrainedConfig


        class ToyGRUConfig(PreTrainedConfig):
            model_type = "toy_gru"
            attribute_map = {"num_hidden_layers": "num_layers"}

            vocab_size: int = 16
            hidden_size: int = 32
            num_layers: int = 1

            def __post_init__(self, **kwargs):
                if self.hidden_size < 1:
                    raise ValueError(f"ToyGRUConfig.hidden_size must be >= 1, got {self.hidden_size}.")
                super().__post_init__(**kwargs)


        PRESETS: dict[str, dict] = {"tiny": {"hidden_size": 16}}
    ''',
    "models/toy_gru/modeling_toy_gru.py": '''
        import torch.nn.functional as F
        from torch import nn
        from transformers import PreTrainedModel
        from transformers.modeling_outputs import CausalLMOutput

        from .configuration_toy_gru import ToyGRUConfig


        class ToyGRUForCausalLM(PreTrainedModel):
            config_class = ToyGRUConfig

            def __init__(self, config: ToyGRUConfig):
                super().__init__(config)
                self.embed = nn.Embedding(config.vocab_size, config.hidden_size)
                self.gru = nn.GRU(config.hidden_size, config.hidden_size, config.num_layers, batch_first=True)
                self.head = nn.Linear(config.hidden_size, config.vocab_size)
                self.post_init()

            def forward(self, input_ids, labels=None, **kwargs) -> CausalLMOutput:
                hidden, _ = self.gru(self.embed(input_ids))  # (B, T, H)
                logits = self.head(hidden)  # (B, T, V)
                loss = None
                if labels is not None:  # position t predicts token t + 1
                    loss = F.cross_entropy(logits[:, :-1].flatten(0, 1), labels[:, 1:].flatten())
                return CausalLMOutput(loss=loss, logits=logits)
    ''',
    "training/recipes/toy_gru.py": '''
        """toy-gru: a GRU learns to count modulo its vocabulary (the throwaway family of the tests)."""

        from dataclasses import dataclass, field
        from pathlib import Path

        import torch
        from torch.utils.data import TensorDataset

        from ...hub import CardSpec
        from ...models.toy_gru import ToyGRUConfig, ToyGRUForCausalLM
        from ..recipe import Recipe

        CARDS = Path(__file__).parent / "cards"


        @dataclass
        class ToyGRUArguments:
            preset: str = field(default="tiny", metadata={"help": "Architecture preset."})
            sequence_length: int = field(default=12, metadata={"help": "Tokens per training sequence."})


        class ToyGRURecipe(Recipe):
            name = "toy-gru"
            arguments_class = ToyGRUArguments
            training_defaults = {"per_device_train_batch_size": 16, "learning_rate": 1e-2}
            card = CardSpec(template=CARDS / "toy-gru.md", pipeline_tag="text-generation",
                            task_name="Counting", dataset_id="none", dataset_name="counting sequences",
                            dataset_split="train", auto_class="AutoModelForCausalLM",
                            architecture_keys=("vocab_size", "hidden_size"))

            def build(self, accelerator) -> None:
                config = ToyGRUConfig.from_preset(self.args.preset)
                starts, steps = torch.arange(64)[:, None], torch.arange(self.args.sequence_length)
                self.train_dataset = TensorDataset((starts + steps) % config.vocab_size)  # 0 1 2 .., 1 2 3 ..
                self.model = ToyGRUForCausalLM(config)

            def compute_loss(self, model, batch):
                (ids,) = batch
                return model(input_ids=ids, labels=ids).loss

            def evaluate(self, run, final: bool = False) -> dict:
                (ids,) = self.train_dataset.tensors
                ids = ids.to(run.accelerator.device)
                return {"eval_loss": run.models["model"](input_ids=ids, labels=ids).loss.item()}
    ''',
    "training/recipes/cards/toy-gru.md": '''
        ---
        {{ card_data }}
        ---

        # {{ model_name }}

        A toy GRU that counts modulo {{ config.get("vocab_size") }}, trained with `{{ training_command }}`.

        {% for m in metrics %}
        - {{ m.name }}: {{ m.display }}
        {% endfor %}
    ''',
}

TOY_SCRIPT = '''
import json, sys
from pathlib import Path

import classicnets
import classicnets.models
from classicnets.cli import main
from classicnets.training.recipes import recipe_names

out = Path(sys.argv[1])
found = {"package": classicnets.__file__, "exported": "ToyGRUForCausalLM" in classicnets.models.__all__,
         "recipes": recipe_names()}
sys.argv = ["classicnets", "train", "toy-gru", "--max_steps", "3", "--output_dir", str(out), "--disable_tqdm"]
assert main() == 0  # as the `classicnets` console script runs it

import torch
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM

model = AutoModelForCausalLM.from_pretrained(out)
saved = load_file(out / "model.safetensors")
found.update(model_class=f"{type(model).__module__}.{type(model).__name__}",
             same_weights=all(torch.equal(saved[k], v) for k, v in model.state_dict().items()),
             card=(out / "README.md").read_text(encoding="utf-8"),
             metrics=json.loads((out / "metrics.json").read_text())["final"])
print("RESULT " + json.dumps(found))
'''


def _contents(root: Path) -> dict[Path, bytes]:
    return {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_a_new_family_needs_only_its_own_files(tmp_path):
    import shutil

    copy = tmp_path / "src" / "classicnets"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    original = _contents(copy)
    for relative, text in TOY_FILES.items():
        (copy / relative).parent.mkdir(parents=True, exist_ok=True)
        (copy / relative).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")

    env = {**os.environ, "PYTHONPATH": str(tmp_path / "src"), "PYTHONDONTWRITEBYTECODE": "1",
           "HF_DATASETS_DISABLE_PROGRESS_BARS": "1"}
    proc = subprocess.run([sys.executable, "-c", TOY_SCRIPT, str(tmp_path / "run")], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    found = json.loads(proc.stdout.split("RESULT ", 1)[1])

    assert Path(found["package"]).parent == copy  # the copy, not the installed package
    assert found["exported"] and "toy-gru" in found["recipes"]
    assert found["model_class"] == "classicnets.models.toy_gru.modeling_toy_gru.ToyGRUForCausalLM"
    assert found["same_weights"]
    assert "A toy GRU that counts modulo 16" in found["card"] and "classicnets train toy-gru" in found["card"]
    numbers = [float(n) for n in re.findall(r"\d+\.\d+", found["card"])]  # the card rounds to 4 decimals
    assert any(abs(n - found["metrics"]["eval_loss"]) < 1e-3 for n in numbers)
    # Only the family's own files were added, and no file of the package changed (no __pycache__ either).
    after = _contents(copy)
    assert set(after) == set(original) | {Path(relative) for relative in TOY_FILES}
    assert [str(p) for p in original if after[p] != original[p]] == []
