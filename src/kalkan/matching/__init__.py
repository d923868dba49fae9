"""Candidate indexes and scorers for documents, names, persons and organisations."""
