"""Checks of fc_net (to be written)."""
CHECKS = []
