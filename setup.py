"""Ship the top-level `wit/` and `themes/` inside the packages of a wheel.

The design card keeps them at the top of the checkout; a wheel has no checkout, so
`build_py` copies them to `engine/wit` and `skill_tui/theme_files`, where the code
reads them with `importlib.resources` (`engine.build.world_dir`, `skill_tui.themes`).
An editable install builds nothing: the code then finds them in the checkout.
Everything else is in pyproject.toml.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SHIPPED = {"wit": ("engine", "wit"), "themes": ("skill_tui", "theme_files")}


class BuildPy(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        root = Path(__file__).resolve().parent
        for folder, target in SHIPPED.items():
            self.copy_tree(str(root / folder), str(Path(self.build_lib, *target)))


setup(cmdclass={"build_py": BuildPy})
