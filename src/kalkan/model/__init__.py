"""Typed records and value types. Pure: no I/O."""
