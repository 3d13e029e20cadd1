"""The compiled helpers of the bulk index writer (``kb/engine/native.c``) and of the analyzer's tokens and the
snippets (``kb/analysis/native_text.c``),
and the default site configuration as package data; the rest is in pyproject.toml."""

import shutil
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
# The repository's mkdocs.yml and overrides/ are the defaults of every knowledge base folder
# (kb.site.mkdocs_config); an installed package carries a copy, a checkout reads them in place.
SITE_DEFAULTS = ("mkdocs.yml", "overrides")


class BuildWithSiteDefaults(build_py):
    def run(self):
        super().run()
        target = Path(self.build_lib) / "kb" / "site" / "defaults"
        for name in SITE_DEFAULTS:
            src, dst = HERE / name, target / name
            if src.is_dir():
                shutil.copytree(src, dst, dirs_exist_ok=True)
            elif src.is_file():
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dst)


setup(
    ext_modules=[
        Extension("kb.engine.native", ["kb/engine/native.c"], extra_compile_args=["-O2"]),
        Extension("kb.analysis.native_text", ["kb/analysis/native_text.c"], extra_compile_args=["-O2"]),
    ],
    cmdclass={"build_py": BuildWithSiteDefaults},
)
