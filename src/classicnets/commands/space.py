"""`classicnets space RUN --output_dir DIR --model_id org/name`: a folder ready to be a Hugging Face Space.

    classicnets push outputs/char-lstm my-org/char-lstm                     # the model, on the Hub
    classicnets space outputs/char-lstm --output_dir space --model_id my-org/char-lstm
    classicnets space my-org/char-lstm --output_dir space                   # RUN a Hub id: it is the model id
    hf upload my-org/char-lstm-demo space --repo-type space                 # the demo, as a Space

The folder holds `app.py` (loads the model repo by id and launches the same demo as `classicnets demo`),
`requirements.txt` and a README.md whose metadata the Hub reads (sdk: gradio, sdk_version, app_file, models).
RUN (a run folder or Hub id) is only read, to check that its family has a demo and to pick the Space's look.
"""

import argparse
import re
from pathlib import Path

from ..errors import OptionError
from . import COMMANDS, ArgumentParser

# The gradio the Space runs when gradio is not installed here to ask (the version the demos were tested with).
DEFAULT_GRADIO_VERSION = "6.31.0"
LOOKS = {  # emoji, colorFrom, colorTo, short description (the Hub allows 60 characters)
    "char-lstm": ("📜", "yellow", "red", "A character-level LSTM writes text as you watch"),
    "transformer-sst2": ("🎭", "blue", "indigo", "Sentiment of a sentence, with each head's attention"),
    "gan-mnist": ("✍️", "gray", "green", "A GAN draws handwritten digits from a seed"),
}
_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*$")


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(prog="classicnets space", description=COMMANDS["space"])
    parser.add_argument("run", help="The trained run folder (or its Hub id): read to check the family.")
    parser.add_argument("--output_dir", required=True, help="Folder to write app.py, requirements.txt, README.md: "
                                                            "new, empty, or an earlier Space folder of this command.")
    parser.add_argument("--model_id", help="The Hub model repo the Space loads (org/name; default: RUN when RUN is "
                                           "a Hub id).")
    parser.add_argument("--title", help="The Space's title (default: the model's name and 'demo').")
    parser.add_argument("--classicnets_requirement", help="The line of requirements.txt that installs classicnets "
                        "(default: classicnets==<this version>; e.g. git+https://github.com/<fork>/classicnets "
                        "for a version not on the package index).")
    return parser


def is_repo_id(name: str) -> bool:
    return bool(_REPO_ID.match(name)) and "--" not in name and ".." not in name


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    if args.model_id is None:
        if Path(args.run).exists() or not is_repo_id(args.run):
            raise OptionError("model_id", "is required when RUN is a folder: the Hub repo (org/name) the Space loads, "
                                          "where `classicnets push` put the model")
        args.model_id = args.run
    if not is_repo_id(args.model_id):
        raise OptionError("model_id", "must be a Hub model id org/name", args.model_id)
    out = Path(args.output_dir)
    check_output_dir(out)
    from ..demos import demo_checkpoint

    _, family = demo_checkpoint(args.run, "`classicnets space`")  # CheckpointError: one line, exit 1
    out.mkdir(parents=True, exist_ok=True)
    title = args.title or f"{args.model_id.split('/')[-1]} demo"
    written = [write(out / "app.py", app_py(args.model_id, title)),
               write(out / "requirements.txt", requirements_txt(args.classicnets_requirement)),
               write(out / "README.md", readme(args.model_id, family, title))]
    print(f"wrote {', '.join(str(p) for p in written)}")
    print(f"Upload it as a Space (after pushing the model to {args.model_id}): "
          f"hf upload {args.model_id}-demo {out} --repo-type space")
    return 0


SPACE_FILES = ("app.py", "requirements.txt", "README.md")
GIT_FILES = (".git", ".gitattributes")  # a clone of the Space repo: left as they are


def check_output_dir(out: Path) -> None:
    """Refuse (OptionError, before anything is written) an --output_dir that is a file, or a folder holding
    anything but an earlier Space folder of this command: app.py, requirements.txt and a README.md whose metadata
    says `sdk: gradio` (a run folder's model card, say, is never overwritten)."""
    if not out.exists():
        return
    if not out.is_dir():
        raise OptionError("output_dir", f"{out} is a file, not a folder")
    names = {p.name for p in out.iterdir()} - set(GIT_FILES)
    if not names:
        return
    others = sorted(names - set(SPACE_FILES))
    if others:
        shown = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
        raise OptionError("output_dir", f"{out} already holds files that are not a Space folder's ({shown})",
                          hint="choose a new or empty folder: `classicnets space` only replaces an earlier Space "
                               "folder of its own (app.py, requirements.txt, README.md)")
    if not is_space_readme(out / "README.md"):
        raise OptionError("output_dir", f"{out} holds {', '.join(sorted(names))} but no README.md with Space "
                                        "metadata (sdk: gradio): it is not a Space folder this command wrote",
                          hint="choose a new or empty folder")


def is_space_readme(path: Path) -> bool:
    """A README.md whose YAML front matter (between `---` lines) says `sdk: gradio`."""
    import yaml

    if not path.is_file():
        return False
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    match = re.match(r"---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(\r?\n|$)", text, re.DOTALL)
    if match is None:
        return False
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        return False
    return isinstance(meta, dict) and meta.get("sdk") == "gradio"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def app_py(model_id: str, title: str) -> str:
    return f'''"""Hugging Face Space: the classicnets demo of {model_id} \
(`classicnets demo {model_id}` runs the same app)."""

from classicnets.demos import build_demo

demo = build_demo({model_id!r}, title={title!r})

if __name__ == "__main__":
    demo.queue().launch()  # the Space sets the host and port (GRADIO_SERVER_NAME / GRADIO_SERVER_PORT)
'''


def requirements_txt(requirement: str | None = None) -> str:
    from importlib.metadata import PackageNotFoundError, version

    if requirement:
        return f"{requirement.strip()}\n"
    try:
        ours = version("classicnets")
    except PackageNotFoundError:  # running from a source tree that is not installed
        ours = None
    pin = f"classicnets=={ours}" if ours else "classicnets"
    # gradio itself comes from the README's sdk_version; classicnets brings torch and transformers.
    return f"{pin}\n"


def gradio_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("gradio")
    except PackageNotFoundError:
        return DEFAULT_GRADIO_VERSION


def readme(model_id: str, family: str, title: str) -> str:
    from huggingface_hub import SpaceCardData

    emoji, color_from, color_to, description = LOOKS[family]
    data = SpaceCardData(title=title, sdk="gradio", sdk_version=gradio_version(), app_file="app.py",
                         models=[model_id], license="apache-2.0", tags=["classicnets", family],
                         emoji=emoji, colorFrom=color_from, colorTo=color_to, pinned=False,
                         short_description=description)
    body = (f"# {title}\n\nA web demo of [{model_id}](https://huggingface.co/{model_id}), a {family} model trained "
            "with classicnets. `app.py` loads the model from the Hub and starts the same Gradio app as\n\n"
            f"```bash\npip install \"classicnets[demo]\"\nclassicnets demo {model_id}\n```\n")
    return f"---\n{data.to_yaml()}\n---\n\n{body}"
