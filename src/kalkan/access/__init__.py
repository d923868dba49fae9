"""Agencies, roles, restrictions and the Scope every read goes through. Pure policy."""
