"""Kalkan: police information sharing and border screening."""

__version__ = "0.1.0"
