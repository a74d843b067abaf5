"""Results folders: manifests, atomic Parquet parts, resume."""
