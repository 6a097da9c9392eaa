"""Build step for the wheel: copy the browser assets and the shipped banks into the package.

The repository keeps web/templates, web/static (with esbuild's output in web/static/build) and
question_banks/ at its root; an installed MockRoom finds them as package data under mockroom/
(see server/mockroom/resources.py). Editable installs skip the copy and read the checkout.
Everything else about the package is in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
# Folder in the source tree -> folder inside the installed package.
PACKAGE_DATA = {
    "web/templates": "web/templates",
    "web/static": "web/static",
    "question_banks": "question_banks",
}
BUNDLE = ROOT / "web" / "static" / "build" / "preload.json"


class BuildPyWithAssets(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        if not BUNDLE.exists():
            raise SystemExit(
                "web/static/build is missing: build the browser bundle first "
                "(`make dist` does, or `cd web && npm ci && node build.mjs`)."
            )
        for source, target in PACKAGE_DATA.items():
            destination = Path(self.build_lib) / "mockroom" / target
            shutil.rmtree(destination, ignore_errors=True)
            # .built is make's stamp file, not an asset.
            shutil.copytree(ROOT / source, destination, ignore=shutil.ignore_patterns(".built"))


setup(cmdclass={"build_py": BuildPyWithAssets})
