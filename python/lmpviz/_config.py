# Folders, relative to this package, where liblmp may lie.  The copies that
# CMake writes into the build tree and into an install name the library
# folder there; a pip install leaves it empty and relies on the loader.
LIB_DIRS = ()
