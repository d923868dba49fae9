"""One HTTP area per module."""
