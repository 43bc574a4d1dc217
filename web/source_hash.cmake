# The hash of the explorer page's sources: every file that goes into the
# build in docs/explore/ (web/ and liblmp's C code), by path and content.
# The build records it in index.html; tests/web/test_explore.py compares it.
#
#   cmake -DLMP_ROOT=<source dir> -P web/source_hash.cmake   prints the hash
#   include(web/source_hash.cmake) + lmp_web_source_hash(root var)
function(lmp_web_source_hash root out)
    get_filename_component(root "${root}" ABSOLUTE)
    file(GLOB lib_files RELATIVE ${root} ${root}/lib/src/*.c ${root}/lib/src/*.h)
    file(GLOB web_files RELATIVE ${root} ${root}/web/*)
    set(files lib/include/lmp.h ${lib_files} ${web_files})
    list(SORT files)
    set(manifest "")
    foreach(f IN LISTS files)
        file(SHA256 ${root}/${f} h)
        string(APPEND manifest "${h}  ${f}\n")
    endforeach()
    string(SHA256 all "${manifest}")
    set(${out} ${all} PARENT_SCOPE)
endfunction()

if(CMAKE_SCRIPT_MODE_FILE STREQUAL CMAKE_CURRENT_LIST_FILE)
    if(NOT LMP_ROOT)
        get_filename_component(LMP_ROOT ${CMAKE_CURRENT_LIST_DIR} DIRECTORY)
    endif()
    lmp_web_source_hash(${LMP_ROOT} h)
    execute_process(COMMAND ${CMAKE_COMMAND} -E echo ${h})
endif()
