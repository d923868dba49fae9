"""Normalisation, transliteration and phonetic keys for names. Pure."""
