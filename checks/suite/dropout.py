"""Checks of dropout (to be written)."""
CHECKS = []
