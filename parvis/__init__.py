"""Parvis: the open square where residents and their city meet."""

__version__ = "0.1.0"
