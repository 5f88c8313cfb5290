"""`classicnets space`: a folder the Hub runs as a Gradio Space, loading the model repo by id."""

import ast
import shutil

import pytest
import yaml

from .program import one_line_error, run_program


def run(capsys, *argv):
    return run_program(capsys, "space", *argv)


def one_line(err: str) -> str:
    return one_line_error("space", err)


def snapshot(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("fixture", ["char_lstm_dir", "sst2_dir", "gan_dir"])
def test_space_folder(request, fixture, tmp_path, capsys):
    run_dir = request.getfixturevalue(fixture)
    out_dir = tmp_path / "space"
    code, out, err = run(capsys, run_dir, "--output_dir", out_dir, "--model_id", "my-org/my-model")
    assert code == 0, err
    assert sorted(p.name for p in out_dir.iterdir()) == ["README.md", "app.py", "requirements.txt"]

    readme = (out_dir / "README.md").read_text(encoding="utf-8")
    meta = yaml.safe_load(readme.split("---\n")[1])
    assert meta["sdk"] == "gradio" and meta["app_file"] == "app.py" and meta["models"] == ["my-org/my-model"]
    major = int(str(meta["sdk_version"]).split(".")[0])
    assert major >= 5 and meta["license"] == "apache-2.0" and len(meta["short_description"]) <= 60
    assert "classicnets demo my-org/my-model" in readme

    app = (out_dir / "app.py").read_text()
    tree = ast.parse(app)  # valid Python that builds the demo of the repo id and launches it
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "build_demo"]
    assert len(calls) == 1 and calls[0].args[0].value == "my-org/my-model"
    assert "from classicnets.demos import build_demo" in app and ".launch(" in app
    assert (out_dir / "requirements.txt").read_text().startswith("classicnets")


def test_space_refuses_bad_input(tmp_path, capsys, gan_dir):
    code, _, err = run(capsys, gan_dir, "--output_dir", tmp_path / "s", "--model_id", "no-namespace")
    assert code == 2 and one_line(err) == "--model_id must be a Hub model id org/name (got 'no-namespace')"
    code, _, err = run(capsys, gan_dir, "--model_id", "o/m")
    assert code == 2 and one_line(err).startswith("the following arguments are required: --output_dir; ")
    code, _, err = run(capsys, tmp_path / "nothing", "--output_dir", tmp_path / "s", "--model_id", "o/m")
    assert code == 1 and "No such folder or Hub repo" in err and not (tmp_path / "s").exists()


def test_model_id_is_required_for_a_folder_and_the_requirement_can_be_set(tmp_path, capsys, gan_dir):
    code, _, err = run(capsys, gan_dir, "--output_dir", tmp_path / "s")
    assert code == 2 and "--model_id is required when RUN is a folder" in err and not (tmp_path / "s").exists()
    fork = "git+https://github.com/my-fork/classicnets@main"
    code, _, err = run(capsys, gan_dir, "--output_dir", tmp_path / "s", "--model_id", "o/m",
                       "--classicnets_requirement", fork)
    assert code == 0, err
    assert (tmp_path / "s" / "requirements.txt").read_text() == fork + "\n"


def test_a_folder_that_is_not_a_space_is_never_overwritten(tmp_path, capsys, gan_dir):
    """`classicnets space RUN --output_dir RUN` used to replace the run's model card: a folder holding anything
    but an earlier Space folder of this command is refused, and nothing in it changes."""
    run_dir = tmp_path / "run"
    shutil.copytree(gan_dir, run_dir)
    (run_dir / "README.md").write_text("---\nlicense: apache-2.0\n---\n# The model card\n")
    before = snapshot(run_dir)
    code, out, err = run(capsys, run_dir, "--output_dir", run_dir, "--model_id", "o/m")
    assert code == 2 and out == "" and snapshot(run_dir) == before
    line = one_line(err)
    assert line.startswith(f"--output_dir {run_dir} already holds files that are not a Space folder's (") and (
        "config.json" in line and "choose a new or empty folder" in line)

    card_only = tmp_path / "card-only"  # only names the command writes, but a model card, not a Space README
    card_only.mkdir()
    (card_only / "README.md").write_text("---\nlicense: mit\n---\n# Mine\n")
    (card_only / "app.py").write_text("print('my own app')\n")
    code, _, err = run(capsys, gan_dir, "--output_dir", card_only, "--model_id", "o/m")
    assert code == 2 and "no README.md with Space metadata (sdk: gradio)" in one_line(err)
    assert (card_only / "app.py").read_text() == "print('my own app')\n"

    (tmp_path / "a-file").write_text("x")
    code, _, err = run(capsys, gan_dir, "--output_dir", tmp_path / "a-file", "--model_id", "o/m")
    assert code == 2 and one_line(err) == f"--output_dir {tmp_path / 'a-file'} is a file, not a folder"


def test_an_earlier_space_folder_is_replaced(tmp_path, capsys, gan_dir, char_lstm_dir):
    out_dir = tmp_path / "space"
    (out_dir / ".git").mkdir(parents=True)  # a clone of the Space repo: its git files stay as they are
    (out_dir / ".gitattributes").write_text("*.png filter=lfs\n")
    assert run(capsys, gan_dir, "--output_dir", out_dir, "--model_id", "o/gan")[0] == 0
    assert run(capsys, char_lstm_dir, "--output_dir", out_dir, "--model_id", "o/lstm", "--title", "Again")[0] == 0
    assert "o/lstm" in (out_dir / "app.py").read_text() and "Again" in (out_dir / "README.md").read_text()
    assert (out_dir / ".gitattributes").read_text() == "*.png filter=lfs\n"
