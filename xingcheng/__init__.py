"""Xingcheng (星城): an open-source city super brain."""

__version__ = "0.1.0.dev0"
