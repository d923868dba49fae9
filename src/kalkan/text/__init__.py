"""Normalisation, transliteration and phonetic keys for names. Pure: no I/O.

``name_keys`` is the entry point: for a name in any script it gives, per part, readable
Latin spellings, a loose phonetic key that competing romanisations share, a consonant
skeleton that Arabic-script and Latin spellings share, a stem without gendered endings,
and the part's role (name, particle, patronymic, marker, initial).
"""

from kalkan.text.conventions import Gender, TokenRole
from kalkan.text.keys import NameKeys, NameToken, name_keys
from kalkan.text.normalise import MAX_NAME_LENGTH, normalise_name, tokenise
from kalkan.text.phonetic import latin_loose, latin_skeleton
from kalkan.text.transliterate import TokenForms, resolve_script, token_forms

__all__ = [
    "MAX_NAME_LENGTH",
    "Gender",
    "NameKeys",
    "NameToken",
    "TokenForms",
    "TokenRole",
    "latin_loose",
    "latin_skeleton",
    "name_keys",
    "normalise_name",
    "resolve_script",
    "token_forms",
    "tokenise",
]
