"""lmpviz: the exact Loss Max-Pooling solver of liblmp for NumPy (and, in
lmpviz.torch, for PyTorch training loops).

    import lmpviz
    r = lmpviz.solve(losses, p=1.5, m=0.1)   # r.value, r.weights (the gradient)
"""
from ._lib import path as library_path
from ._solve import (BatchResult, InvalidLossError, LMPError, Result, solve, solve_batch,
                     solve_sorted)

__all__ = ["solve", "solve_batch", "solve_sorted", "Result", "BatchResult", "LMPError",
           "InvalidLossError", "library_path", "__version__"]


def _version():
    from ._lib import lib
    return lib.lmp_version().decode()


__version__ = _version()
