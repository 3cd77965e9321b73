"""Crosscheck's engine: claims, retrieval, stance, verdicts, sources and storage."""
