"""Bundled data files (models and lexicons the engine reads at run time)."""
