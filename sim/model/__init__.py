"""The model: the scenario schema and loader, cross-references, the road network, the shared
rules both engines implement (MODEL.md), and the schema of the result tables."""
