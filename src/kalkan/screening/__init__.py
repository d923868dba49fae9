"""Checks, hits and notifications; screening whole lists."""
