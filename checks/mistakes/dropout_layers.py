"""Known mistakes of dropout_layers.py."""
