"""Small helpers for reading dataset columns cheaply at 10^4+ reports."""
from __future__ import annotations

import numpy as np
import pandas as pd


def as_objects(series: pd.Series) -> np.ndarray:
    """A column as a numpy object array without one new Python string per row: a categorical
    column maps its codes onto its (few) categories."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        cats = np.array(list(series.cat.categories) + [None], dtype=object)
        return cats[series.cat.codes.to_numpy()]  # code -1 (missing) picks the trailing None
    return series.to_numpy(dtype=object)
