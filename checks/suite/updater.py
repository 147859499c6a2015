"""Checks of updater (to be written)."""
CHECKS = []
