"""Pages; each module keeps its State beside it and exposes ``register(app)``."""
