"""Known mistakes of fc_net.py."""
