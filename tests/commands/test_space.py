"""`classicnets space`: a folder the Hub runs as a Gradio Space, loading the model repo by id."""

import ast

import pytest
import yaml

from classicnets.commands import main


def run(capsys, *argv):
    try:
        code = main(["space", *map(str, argv)])
    except SystemExit as exit_:
        code = exit_.code
    out = capsys.readouterr()
    return code, out.out, out.err


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
    assert code == 2 and "org/name" in err
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
