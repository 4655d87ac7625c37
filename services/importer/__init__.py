"""Bulk loads through the registries' own HTTP commands (so that every change is published)."""
