"""Reflex states shared by several pages (``pages/`` keeps the states of one page only)."""
