"""Test helpers that benchmarks may import too (``python -m benchmarks.x`` runs from the project root)."""
