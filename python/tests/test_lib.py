"""lmpviz._lib: the library is found, and the ctypes structs match the C
headers (sizeof/offsetof printed by lmp_py_layout, built from lmp.h and
lmp_cuda.h)."""
import ctypes
import json
import os
import subprocess
import sys

import pytest

pytest.importorskip(
    "numpy", reason="NumPy is not installed (Debian: apt-get install python3-numpy)")

from lmpviz import _lib


def layout():
    exe = os.environ.get("LMP_LAYOUT_BIN")
    if not exe:
        pytest.skip("LMP_LAYOUT_BIN is not set (run through ctest, which builds lmp_py_layout)")
    return json.loads(subprocess.run([exe], check=True, capture_output=True, text=True).stdout)


@pytest.mark.parametrize("name", sorted(_lib.STRUCTS))
def test_struct_layout_matches_header(name):
    c = layout()[name]
    py = _lib.STRUCTS[name]
    assert ctypes.sizeof(py) == c["sizeof"], name
    names = [f[0] for f in py._fields_]
    assert names == list(c["offsets"]), f"{name}: fields differ from the header"
    for field, off in c["offsets"].items():
        assert getattr(py, field).offset == off, f"{name}.{field}"


def test_enum_values_and_sizes():
    e = layout()["enums"]
    assert e["sizeof_lmp_status"] == e["sizeof_lmp_nonfinite"] == e["sizeof_lmp_pooling"] \
        == ctypes.sizeof(ctypes.c_int)
    assert e["LMP_ERR_INVALID_LOSS"] == _lib.ERR_INVALID_LOSS
    assert e["LMP_ERR_EMPTY"] == _lib.ERR_EMPTY
    assert e["LMP_ERR_NOMEM"] == _lib.ERR_NOMEM
    assert e["LMP_ERR_UNSUPPORTED"] == _lib.ERR_UNSUPPORTED
    assert e["LMP_NONFINITE_IGNORE"] == _lib.NONFINITE["ignore"]
    assert e["LMP_POOL_BATCH"] == _lib.POOLING["batch"] == e["LMP_CUDA_POOL_BATCH"]


def test_result_reads_as_float64_columns():
    # The CUDA path reads values out of a float64 view of lmp_result rows.
    assert ctypes.sizeof(_lib.LmpResult) % 8 == 0
    assert _lib.LmpResult.value.offset == 0


def test_status_strings_and_version():
    import lmpviz
    assert lmpviz.__version__.count(".") == 2
    assert _lib.status_string(_lib.ERR_INVALID_LOSS) != _lib.status_string(_lib.OK)


def _import_path(env, cwd):
    code = "import lmpviz, sys; sys.stdout.write(lmpviz.library_path)"
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                       cwd=cwd)
    return r


def test_lookup_prefers_LMP_LIBRARY_and_reports_a_bad_one(tmp_path):
    import lmpviz
    here = _lib.path
    env = dict(os.environ, LMP_LIBRARY=here,
               PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(lmpviz.__file__))))
    r = _import_path(env, tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout == here
    env["LMP_LIBRARY"] = str(tmp_path / "liblmp-missing.so")
    r = _import_path(env, tmp_path)
    assert r.returncode != 0
    assert "LMP_LIBRARY" in r.stderr and "liblmp-missing.so" in r.stderr


def test_lookup_finds_the_library_next_to_the_package(tmp_path):
    # A copy of the package with the library beside it, _config empty and
    # no LMP_LIBRARY: the copy beside it is used.
    import shutil
    import lmpviz
    src = os.path.dirname(lmpviz.__file__)
    dst = tmp_path / "lmpviz"
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__"))
    (dst / "_config.py").write_text("LIB_DIRS = ()\n")
    shutil.copy(os.path.realpath(_lib.path), dst / "liblmp.so.0")
    env = {k: v for k, v in os.environ.items() if k != "LMP_LIBRARY"}
    env["PYTHONPATH"] = str(tmp_path)
    r = _import_path(env, tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout == str(dst / "liblmp.so.0")


def test_missing_cuda_library_is_a_clear_oserror(monkeypatch, tmp_path):
    monkeypatch.setenv("LMP_CUDA_LIBRARY", str(tmp_path / "nope.so"))
    monkeypatch.setattr(_lib, "_cuda", None)
    monkeypatch.setattr(_lib, "_cuda_error", None)
    with pytest.raises(OSError, match="LMP_CUDA_LIBRARY"):
        _lib.cuda_lib()


def test_cmake_install_puts_a_package_that_finds_the_installed_library(tmp_path):
    build = os.environ.get("LMP_BUILD_DIR")
    if not build:
        pytest.skip("LMP_BUILD_DIR is not set (run through ctest)")
    prefix = tmp_path / "prefix"
    subprocess.run(["cmake", "--install", build, "--prefix", str(prefix)], check=True,
                   capture_output=True)
    inits = list(prefix.glob("**/lmpviz/__init__.py"))
    assert len(inits) == 1, inits
    env = {k: v for k, v in os.environ.items()
           if k not in ("LMP_LIBRARY", "LD_LIBRARY_PATH", "PYTHONPATH")}
    env["PYTHONPATH"] = str(inits[0].parent.parent)
    r = _import_path(env, tmp_path)
    assert r.returncode == 0, r.stderr
    assert os.path.realpath(r.stdout).startswith(os.path.realpath(prefix)), r.stdout


def test_pip_install_in_a_venv_finds_the_installed_library(tmp_path):
    # `pip install ./python` in a venv made with --system-site-packages
    # (NumPy from the system), offline, against a liblmp installed by
    # `cmake --install` and found by the loader.
    build = os.environ.get("LMP_BUILD_DIR")
    if not build:
        pytest.skip("LMP_BUILD_DIR is not set (run through ctest)")
    if sys.prefix != sys.base_prefix:
        pytest.skip(f"{sys.executable} runs in a venv: a venv made from it with "
                    "--system-site-packages would not see this one's NumPy")
    import shutil
    prefix = tmp_path / "prefix"
    subprocess.run(["cmake", "--install", build, "--prefix", str(prefix)], check=True,
                   capture_output=True)
    src = tmp_path / "src"
    shutil.copytree(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."), src,
                    ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info", "tests"))
    venv = tmp_path / "venv"
    r = subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip("cannot make a venv with pip (Debian: apt-get install python3-venv): "
                    + r.stderr.strip().splitlines()[-1])
    py = str(venv / "bin" / "python")
    env = {k: v for k, v in os.environ.items()
           if k not in ("LMP_LIBRARY", "LD_LIBRARY_PATH", "PYTHONPATH")}
    r = subprocess.run([py, "-m", "pip", "install", "-q", "--no-index", "--no-build-isolation",
                        "--no-deps", str(src)], capture_output=True, text=True, env=env)
    if r.returncode != 0 and "setuptools" in r.stderr and "No module" in r.stderr:
        pytest.skip("no setuptools for the build (Debian: apt-get install python3-setuptools)")
    assert r.returncode == 0, r.stderr
    env["LD_LIBRARY_PATH"] = str(prefix / "lib")
    code = ("import lmpviz, numpy as np, sys; r = lmpviz.solve(np.arange(1, 101, dtype=np.float32),"
            " p=1, m=0.05); sys.stdout.write(lmpviz.__file__ + ' ' + lmpviz.library_path + ' '"
            " + repr(r.value))")
    r = subprocess.run([py, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    where, lib, value = r.stdout.split(" ")
    assert where.startswith(str(venv)), where
    assert lib.startswith(str(prefix)), lib
    assert float(value) == pytest.approx(98.0)  # p = 1: the mean of the top 5


def test_foreign_calls_release_the_gil():
    # ctypes.CDLL functions drop the GIL around the call (PyDLL's keep it).
    assert isinstance(_lib.lib, ctypes.CDLL) and not isinstance(_lib.lib, ctypes.PyDLL)
    assert not _lib.lib.lmp_solve._flags_ & ctypes._FUNCFLAG_PYTHONAPI


def test_cuda_library_when_present_binds_and_counts_devices():
    try:
        c = _lib.cuda_lib()
    except OSError as e:
        pytest.skip(f"liblmp_cuda is not built here: {str(e).splitlines()[0]}")
    n = c.lmp_cuda_device_count()
    assert n >= 0
    nbytes = ctypes.c_size_t(0)
    st = c.lmp_cuda_workspace_size(4, 4000, ctypes.byref(nbytes))
    # The CUDA build sizes the workspace; the stub says it has no CUDA.
    assert (st == _lib.OK and nbytes.value > 0) or (st == _lib.ERR_UNSUPPORTED and n == 0)
    assert c.lmp_cuda_workspace_size(0, 4000, ctypes.byref(nbytes)) in (
        _lib.ERR_INVALID_ARG, _lib.ERR_UNSUPPORTED)


def test_lookup_falls_back_to_the_loader(tmp_path):
    # No LMP_LIBRARY, nothing beside the package, _config empty (as after
    # pip install ./python): the loader's search (here LD_LIBRARY_PATH).
    import shutil
    import lmpviz
    pkg = tmp_path / "site" / "lmpviz"
    shutil.copytree(os.path.dirname(lmpviz.__file__), pkg,
                    ignore=shutil.ignore_patterns("__pycache__", "*.so*"))
    (pkg / "_config.py").write_text("LIB_DIRS = ()\n")
    libdir = tmp_path / "libs"
    libdir.mkdir()
    shutil.copy(os.path.realpath(_lib.path), libdir / "liblmp.so.0")
    env = {k: v for k, v in os.environ.items() if k != "LMP_LIBRARY"}
    env.update(PYTHONPATH=str(pkg.parent), LD_LIBRARY_PATH=str(libdir))
    r = _import_path(env, tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout == str(libdir / "liblmp.so.0")
    del env["LD_LIBRARY_PATH"]
    r = _import_path(env, tmp_path)
    if r.returncode == 0:  # a liblmp installed on this machine
        assert not r.stdout.startswith(str(tmp_path))
    else:
        assert "cannot load liblmp.so.0" in r.stderr
