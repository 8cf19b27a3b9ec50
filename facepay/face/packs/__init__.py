"""Committed model-pack manifests (`<name>.json`); weights are fetched, never committed."""
