# Writes OUT, a C file with one NUL-terminated array per cells file of
# INPUTS (a ;-separated list): lmpnbi_cells_<name> for cells/<name>.cells.
# Run by CMake as a script: cmake -DOUT=... -DINPUTS=... -P embed_cells.cmake
set(text "/* Written by embed_cells.cmake from notebooks_export/cells: do not edit. */\n")
string(APPEND text "#include \"notebook_internal.h\"\n")
foreach(f ${INPUTS})
    get_filename_component(name ${f} NAME_WE)
    file(READ ${f} hex HEX)
    string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," hex "${hex}")
    string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" hex "${hex}")
    string(APPEND text "static const unsigned char cells_${name}[] = {\n${hex}0x00\n};\n")
    string(APPEND text "const char *const lmpnbi_cells_${name} = (const char *)cells_${name};\n")
endforeach()
file(WRITE ${OUT}.tmp "${text}")
file(RENAME ${OUT}.tmp ${OUT})
