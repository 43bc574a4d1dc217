"""Loading liblmp (and liblmp_cuda) with ctypes, and the C structs.

The layouts below mirror lib/include/lmp.h and lmp_cuda.h field for field;
tests/test_lib.py checks them against sizeof/offsetof printed by a C
program compiled from those headers.
"""
import ctypes
import ctypes.util
import os
import threading

from . import _config

# lmp_status
OK = 0
ERR_INVALID_ARG = 1
ERR_INVALID_LOSS = 2
ERR_EMPTY = 3
ERR_NOMEM = 4
ERR_NO_CONVERGENCE = 5
ERR_CUDA = 6
ERR_UNSUPPORTED = 7

NONFINITE = {"error": 0, "ignore": 1}
POOLING = {"image": 0, "batch": 1}


class LmpParams(ctypes.Structure):
    _fields_ = [
        ("p", ctypes.c_double),
        ("m", ctypes.c_double),
        ("m_pixels", ctypes.c_double),
        ("nonfinite", ctypes.c_int),  # enum lmp_nonfinite
    ]


class LmpResult(ctypes.Structure):
    _fields_ = [
        ("value", ctypes.c_double),
        ("mean", ctypes.c_double),
        ("theta", ctypes.c_double),
        ("tau", ctypes.c_double),
        ("gamma", ctypes.c_double),
        ("m_px", ctypes.c_double),
        ("n_valid", ctypes.c_size_t),
        ("n_clamped", ctypes.c_size_t),
        ("n_support", ctypes.c_size_t),
        ("bad_index", ctypes.c_size_t),
        ("bad_value", ctypes.c_float),
    ]


class LmpBatch(ctypes.Structure):
    _fields_ = [
        ("loss", ctypes.c_void_p),
        ("valid", ctypes.c_void_p),
        ("weight", ctypes.c_void_p),
        ("batch", ctypes.c_size_t),
        ("n", ctypes.c_size_t),
        ("offsets", ctypes.c_void_p),
        ("pooling", ctypes.c_int),  # enum lmp_pooling
    ]


class LmpCudaBatch(ctypes.Structure):
    _fields_ = [
        ("d_loss", ctypes.c_void_p),
        ("d_valid", ctypes.c_void_p),
        ("d_weight", ctypes.c_void_p),
        ("batch", ctypes.c_size_t),
        ("n", ctypes.c_size_t),
        ("h_offsets", ctypes.c_void_p),
        ("pooling", ctypes.c_int),  # enum lmp_cuda_pooling
    ]


STRUCTS = {
    "lmp_params": LmpParams,
    "lmp_result": LmpResult,
    "lmp_batch": LmpBatch,
    "lmp_cuda_batch": LmpCudaBatch,
}

_P = ctypes.c_void_p
_SZ = ctypes.c_size_t
_INT = ctypes.c_int
_PARAMS = ctypes.POINTER(LmpParams)
_RESULT = ctypes.POINTER(LmpResult)

# name: (restype, argtypes)
_PROTOTYPES = {
    "lmp_version": (ctypes.c_char_p, []),
    "lmp_status_string": (ctypes.c_char_p, [_INT]),
    "lmp_params_check": (_INT, [_PARAMS]),
    "lmp_workspace_create": (_P, [_SZ]),
    "lmp_workspace_create_threads": (_P, [_SZ, ctypes.c_uint]),
    "lmp_workspace_threads": (ctypes.c_uint, [_P]),
    "lmp_workspace_destroy": (None, [_P]),
    "lmp_solve": (_INT, [_P, _P, _SZ, _PARAMS, _P, _RESULT, _P]),
    "lmp_solve_sorted": (_INT, [_P, _P, _SZ, _PARAMS, _P, _RESULT]),
    "lmp_solve_batch": (_INT, [ctypes.POINTER(LmpBatch), _PARAMS, _RESULT, _P, _P]),
}

_CUDA_PROTOTYPES = {
    "lmp_cuda_device_count": (_INT, []),
    "lmp_cuda_workspace_size": (_INT, [_SZ, _SZ, ctypes.POINTER(_SZ)]),
    "lmp_cuda_solve_batch_async": (
        _INT, [ctypes.POINTER(LmpCudaBatch), _PARAMS, _P, _P, _P, _SZ, _P]),
}


def _candidates(env, names):
    """Paths to try, in order: $env, next to this package (and the build
    tree's library folder recorded in _config), then the loader's search."""
    out = []
    if os.environ.get(env):
        return [os.environ[env]]
    here = os.path.dirname(os.path.abspath(__file__))
    dirs = [here] + [os.path.normpath(os.path.join(here, d)) for d in _config.LIB_DIRS]
    for d in dirs:
        for n in names:
            out.append(os.path.join(d, n))
    out = [p for p in out if os.path.exists(p)]
    out.extend(names)  # LD_LIBRARY_PATH, the ld.so cache, the default folders
    return out


def _where(path):
    """The file the loader opened for `path` (a bare name is looked up in
    /proc/self/maps, where there is one)."""
    if os.sep in path:
        return path
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                file = line.split(None, 5)[-1].strip()
                if os.path.basename(file).startswith(path):
                    return file
    except OSError:
        pass
    return path


def _load(env, names, stem):
    errors = []
    cands = _candidates(env, names)
    found = ctypes.util.find_library(stem)
    if found and found not in cands:
        cands.append(found)
    for path in cands:
        try:
            # ctypes.CDLL releases the GIL around every call.
            return ctypes.CDLL(path), _where(path)
        except OSError as e:
            errors.append(f"{path}: {e}")
    raise OSError(f"cannot load {names[0]} (set {env} to its path); tried:\n  "
                  + "\n  ".join(errors))


def _bind(lib, protos):
    for name, (res, args) in protos.items():
        f = getattr(lib, name)  # AttributeError when the library lacks it
        f.restype = res
        f.argtypes = args


lib, path = _load("LMP_LIBRARY", ["liblmp.so.0", "liblmp.so"], "lmp")
_bind(lib, _PROTOTYPES)

_cuda = None
_cuda_error = None
_cuda_lock = threading.Lock()


def cuda_lib():
    """liblmp_cuda, loaded on first use; raises OSError when it is absent."""
    global _cuda, _cuda_error
    with _cuda_lock:
        if _cuda is None and _cuda_error is None:
            try:
                c, _ = _load("LMP_CUDA_LIBRARY", ["liblmp_cuda.so.0", "liblmp_cuda.so"],
                             "lmp_cuda")
                _bind(c, _CUDA_PROTOTYPES)
                _cuda = c
            except (OSError, AttributeError) as e:
                _cuda_error = str(e)
    if _cuda is None:
        raise OSError(_cuda_error)
    return _cuda


def status_string(status):
    return lib.lmp_status_string(status).decode()


class Workspace:
    """An lmp_workspace owned by one thread (see _solve.workspace)."""

    def __init__(self, threads=1):
        if threads == 1:
            self.ptr = lib.lmp_workspace_create(0)
        else:
            self.ptr = lib.lmp_workspace_create_threads(0, threads)
        if not self.ptr:
            raise MemoryError("lmp_workspace_create failed")
        self.threads = lib.lmp_workspace_threads(self.ptr)

    def __del__(self):
        ptr, self.ptr = getattr(self, "ptr", None), None
        if ptr and lib is not None:
            lib.lmp_workspace_destroy(ptr)
