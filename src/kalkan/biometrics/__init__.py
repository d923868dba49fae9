"""Faces and fingerprints: extract, compare, index."""
