"""The engines: the seed tree (``streams``), the SimPy reference (``des``), the vectorized numpy
engine (``batch``), and the one door both are reached through (``dispatch``)."""
