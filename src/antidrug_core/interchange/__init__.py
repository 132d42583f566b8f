"""Formats other systems exchange with the library (the dataset format)."""

from __future__ import annotations

from antidrug_core.interchange.dataset import (
    DATASET_FORMAT,
    IMPORTED_BY,
    Dataset,
    read_dataset,
    write_dataset,
)

__all__ = ["DATASET_FORMAT", "IMPORTED_BY", "Dataset", "read_dataset", "write_dataset"]
