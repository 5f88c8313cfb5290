"""The wheel a user installs: built offline from the source files, it carries the type marker, every card template,
the license the metadata declares, the project URLs, the console script, and the version the CHANGELOG starts at."""

import re
import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
import tomllib

from classicnets.training.recipes import recipe_names

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    out = tmp_path_factory.mktemp("dist")
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(out), str(source)], capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr[-3000:]
    (path,) = out.glob("classicnets-*.whl")
    with zipfile.ZipFile(path) as archive:
        yield archive


def dist_info(wheel: zipfile.ZipFile, name: str) -> str:
    (member,) = [n for n in wheel.namelist() if re.fullmatch(rf"classicnets-[^/]+\.dist-info/{name}", n)]
    return wheel.read(member).decode()


def test_the_wheel_is_typed_and_carries_every_card_template(wheel):
    names = set(wheel.namelist())
    assert "classicnets/py.typed" in names
    assert {f"classicnets/training/recipes/cards/{r}.md" for r in recipe_names()} <= names
    assert not [n for n in names if "__pycache__" in n or n.startswith("tests/")]


def test_license_urls_script_and_version(wheel):
    metadata = Parser().parsestr(dist_info(wheel, "METADATA"))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert metadata["License-Expression"] == project["license"] == "Apache-2.0"
    license_text = dist_info(wheel, "licenses/LICENSE")
    assert license_text == (ROOT / "LICENSE").read_text() and "Apache License" in license_text
    assert "Version 2.0" in license_text
    urls = dict(url.split(", ", 1) for url in metadata.get_all("Project-URL"))
    assert urls == project["urls"] and all(u.startswith("https://") for u in urls.values())
    assert "classicnets = classicnets.cli:main" in dist_info(wheel, "entry_points.txt")
    changelog = (ROOT / "CHANGELOG.md").read_text()
    first_release = re.search(r"^## \[([^\]]+)\]", changelog, re.M).group(1)
    assert metadata["Version"] == project["version"] == first_release
