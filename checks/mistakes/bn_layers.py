"""Known mistakes of bn_layers.py."""
