"""The compiled helpers of the bulk index writer (``kb/_native.c``); the rest is in pyproject.toml."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("kb._native", ["kb/_native.c"], extra_compile_args=["-O2"])])
