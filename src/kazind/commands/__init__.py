"""Command-line commands, one module per layer; each defines ``register(app)``."""
