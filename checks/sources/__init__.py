"""Sources: the sources.yaml schema and one module per kind of source."""
