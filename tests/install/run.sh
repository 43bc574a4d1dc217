#!/bin/sh
# Installs the build tree into a scratch prefix with `cmake --install` and
# checks the result: the files are in place, liblmp.so has SONAME
# liblmp.so.0 and needs only libc and libm, and a consumer program builds
# and runs against it through pkg-config (shared and --static) and through
# find_package(lmp) (lmp::lmp and lmp::lmp_static).  liblmp_cuda.so.0 (the
# CUDA solver, or the stub without CUDA): SONAME, no libcudart.so or
# liblmp.so needed, only lmp_cuda_* exported, a consumer through
# lmp::lmp_cuda, and loaded alone with ctypes (as a Python front loads it).
# Usage: run.sh BUILD_DIR SOURCE_DIR SCRATCH_DIR [C compiler]
set -eu
build=$1
src=$2
work=$3
cc=${4:-cc}
prefix=$work/prefix
rm -rf "$work"
mkdir -p "$work"
fail() {
    echo "install check: $*" >&2
    exit 1
}

cmake --install "$build" --prefix "$prefix" >"$work/install.log" || fail "cmake --install failed"
libdir=$(dirname "$(find "$prefix" -name 'liblmp.so.0' | head -n 1)")
[ -n "$libdir" ] || fail "liblmp.so.0 not installed"
for f in "$libdir/liblmp.a" "$libdir/liblmp.so" "$libdir/liblmp.so.0.1.0" "$prefix/include/lmp.h" \
    "$libdir/pkgconfig/lmp.pc" "$libdir/cmake/lmp/lmpConfig.cmake" \
    "$libdir/cmake/lmp/lmpConfigVersion.cmake" "$libdir/liblmp_cuda.so.0" "$prefix/include/lmp_cuda.h"; do
    [ -e "$f" ] || fail "missing $f"
done
[ ! -e "$prefix/include/lmp_internal.h" ] || fail "internal header installed"
[ ! -e "$prefix/include/lmp_cuda_internal.h" ] || fail "internal CUDA header installed"
if grep -q '^lmpviz_bin:' "$work/install.log" 2>/dev/null || [ -e "$build/bin/lmpviz" ]; then
    [ -x "$prefix/bin/lmpviz" ] || fail "lmpviz not installed"
    [ -e "$prefix/share/man/man1/lmpviz.1" ] || fail "man page not installed"
    "$prefix/bin/lmpviz" --version >/dev/null || fail "installed lmpviz does not run"
fi

# liblmpviz.so.0 with its headers; its private header stays out.
if [ -e "$build/lib/liblmpviz.so.0" ]; then
    for f in "$libdir/liblmpviz.so.0" "$libdir/liblmpviz.so" "$prefix/include/lmpviz.h" \
        "$prefix/include/lmpviz/draw.h" "$prefix/include/lmpviz/plot.h"; do
        [ -e "$f" ] || fail "missing $f"
    done
    [ ! -e "$prefix/include/lmpviz_private.h" ] || fail "lmpviz_private.h installed"
    vso=$(readlink -f "$libdir/liblmpviz.so.0")
    vsoname=$(objdump -p "$vso" | awk '$1 == "SONAME" { print $2 }')
    [ "$vsoname" = "liblmpviz.so.0" ] || fail "liblmpviz SONAME is '$vsoname'"
    bad=$(nm -D --defined-only "$vso" | awk '$2 ~ /[TDBR]/ && $3 !~ /^lmpviz_/ { print $3 }')
    [ -z "$bad" ] || fail "liblmpviz.so exports non-API symbols: $bad"
fi

soname=$(objdump -p "$libdir/liblmp.so.0.1.0" | awk '$1 == "SONAME" { print $2 }')
[ "$soname" = "liblmp.so.0" ] || fail "SONAME is '$soname', expected liblmp.so.0"
needed=$(objdump -p "$libdir/liblmp.so.0.1.0" | awk '$1 == "NEEDED" { print $2 }' | sort | tr '\n' ' ')
for lib in $needed; do
    case $lib in
    libc.so.* | libm.so.*) ;;
    *) fail "liblmp.so needs $lib (only libc and libm allowed)" ;;
    esac
done
# Only the public API is exported.
bad=$(nm -D --defined-only "$libdir/liblmp.so.0.1.0" | awk '$2 ~ /[TDBR]/ && $3 !~ /^lmp_/ && $3 !~ /^LMP_/ { print $3 }')
[ -z "$bad" ] || fail "liblmp.so exports non-API symbols: $bad"

# liblmp_cuda.so.0: the CUDA runtime inside, liblmp's objects inside and hidden.
cuda_so=$(readlink -f "$libdir/liblmp_cuda.so.0")
csoname=$(objdump -p "$cuda_so" | awk '$1 == "SONAME" { print $2 }')
[ "$csoname" = "liblmp_cuda.so.0" ] || fail "liblmp_cuda SONAME is '$csoname'"
cneeded=$(objdump -p "$cuda_so" | awk '$1 == "NEEDED" { print $2 }' | sort | tr '\n' ' ')
for lib in $cneeded; do
    case $lib in
    libc.so.* | libm.so.* | libstdc++.so.* | libgcc_s.so.* | ld-linux*.so.* | libdl.so.* | \
        libpthread.so.* | librt.so.*) ;;
    *) fail "liblmp_cuda.so needs $lib (the CUDA runtime and liblmp are linked in)" ;;
    esac
done
bad=$(nm -D --defined-only "$cuda_so" | awk '$2 ~ /[TDBRVW]/ && $3 !~ /^lmp_cuda_/ { print $3 }')
[ -z "$bad" ] || fail "liblmp_cuda.so exports more than lmp_cuda_*: $bad"
nm -D --defined-only "$cuda_so" | grep -q ' lmp_cuda_solve_batch_async' ||
    fail "liblmp_cuda.so does not export lmp_cuda_solve_batch_async"
if command -v python3 >/dev/null; then
    python3 -c 'import ctypes, sys
lib = ctypes.CDLL(sys.argv[1])
n = lib.lmp_cuda_device_count()
b = ctypes.c_size_t(0)
st = lib.lmp_cuda_workspace_size(ctypes.c_size_t(2), ctypes.c_size_t(100), ctypes.byref(b))
sys.exit(0 if n >= 0 and (st == 0 and b.value > 0 or st != 0 and n == 0) else 1)' \
        "$cuda_so" || fail "liblmp_cuda.so.0 loaded alone with ctypes"
fi

# pkg-config, shared and static (skipped where pkg-config is missing, as on
# a GPU machine that has only CMake and the compilers).
if ! command -v pkg-config >/dev/null 2>&1; then
    echo "pkg-config is not installed (Debian: apt-get install pkg-config): its checks skipped"
else
    PKG_CONFIG_PATH=$libdir/pkgconfig
    export PKG_CONFIG_PATH
    [ "$(pkg-config --modversion lmp)" = "0.1.0" ] || fail "pkg-config --modversion lmp"
    # shellcheck disable=SC2046
    $cc -o "$work/pc_shared" "$src/tests/install/consumer.c" $(pkg-config --cflags --libs lmp) ||
        fail "pkg-config shared build"
    LD_LIBRARY_PATH=$libdir "$work/pc_shared" || fail "pkg-config shared consumer"
    objdump -p "$work/pc_shared" | grep -q 'NEEDED.*liblmp.so.0' || fail "shared consumer not linked to liblmp.so.0"
    # --static adds Libs.private (-lm); -l:liblmp.a picks the archive over the .so.
    # shellcheck disable=SC2046
    $cc -o "$work/pc_static" "$src/tests/install/consumer.c" $(pkg-config --cflags lmp) \
        $(pkg-config --static --libs lmp | sed 's/-llmp/-l:liblmp.a/') || fail "pkg-config static build"
    "$work/pc_static" || fail "pkg-config static consumer"
    if objdump -p "$work/pc_static" | grep -q 'NEEDED.*liblmp'; then
        fail "static consumer still needs liblmp.so"
    fi
fi

# find_package(lmp).
CC=$cc cmake -S "$src/tests/install" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_BUILD_TYPE=Release >"$work/cmake.log" 2>&1 || { cat "$work/cmake.log"; fail "find_package(lmp)"; }
cmake --build "$work/cmake" >"$work/build.log" 2>&1 || { cat "$work/build.log"; fail "CMake consumer build"; }
"$work/cmake/consumer_shared" || fail "lmp::lmp consumer"
"$work/cmake/consumer_static" || fail "lmp::lmp_static consumer"
"$work/cmake/consumer_cuda" || fail "lmp::lmp_cuda consumer"
echo "install check: ok ($prefix; SONAME $soname; NEEDED $needed; $csoname NEEDED $cneeded)"
