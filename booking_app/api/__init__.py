"""The JSON API under /api (FastAPI), mounted around the Reflex app by ``api_transformer``."""
