"""Delivery of hit notifications and messages."""
