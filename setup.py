"""The wheel carries the flows and catalogues inside the package (``bot/_data/``), so ``pip install .``
runs outside the checkout. They stay at the top of the checkout, where admins and translators edit them;
everything else about the package is in pyproject.toml."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
SHIPPED = ("flows", "locales")


class BuildWithData(build_py):  # type: ignore[misc]
    """build_py, then a copy of flows/ and locales/ into the built package (not into the checkout)."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads them from the checkout itself
            return
        for name in SHIPPED:
            target = Path(self.build_lib) / "bot" / "_data" / name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(HERE / name, target, ignore=shutil.ignore_patterns("__pycache__", "*.mo~"))


setup(cmdclass={"build_py": BuildWithData})
