"""The compiled block writer (``kb/_blocks.c``); everything else is in pyproject.toml."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("kb._blocks", ["kb/_blocks.c"], extra_compile_args=["-O2"])])
