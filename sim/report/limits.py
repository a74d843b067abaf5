"""Limits of the report layer that the command line checks before importing it (light: no imports)."""

MAX_FRAMES = 150
"""Most frames of an animation: each is a drawn map (about 50 ms)."""
