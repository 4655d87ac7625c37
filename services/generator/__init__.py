"""Synthetic data for Bron: `plan(persons)` streams the registries' own commands (BAG, BRP, WOZ,
toestemming) that build a consistent data set of households at real-looking addresses. Pure:
no I/O; whoever runs the steps sends them to the registries in order."""

from services.generator.plan import Step, plan

__all__ = ["Step", "plan"]
