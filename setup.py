"""The compiled helpers (``kb/engine/_native.c``) of the bulk index writer, the analyzer's tokens and snippets;
the rest is in pyproject.toml."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("kb.engine._native", ["kb/engine/_native.c"], extra_compile_args=["-O2"])])
