"""Plots of model internals (matplotlib, Agg backend)."""
