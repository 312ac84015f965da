"""Shared UI pieces: theme and page chrome."""
