"""Checks of bn (to be written)."""
CHECKS = []
