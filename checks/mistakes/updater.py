"""Known mistakes of updater.py."""
