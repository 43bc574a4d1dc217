# Writes the explorer page's index.html (the template with its version and
# source hash) and copies its script and style next to it.
#   cmake -DLMP_ROOT=<source dir> -DOUT=<dir> -DVERSION=<x.y.z> -P web/stamp.cmake
include(${CMAKE_CURRENT_LIST_DIR}/source_hash.cmake)
lmp_web_source_hash(${LMP_ROOT} LMP_WEB_SOURCE_HASH)
set(LMP_VERSION ${VERSION})
configure_file(${LMP_ROOT}/web/index.html ${OUT}/index.html @ONLY)
file(COPY ${LMP_ROOT}/web/explore.js ${LMP_ROOT}/web/explore.css DESTINATION ${OUT})
