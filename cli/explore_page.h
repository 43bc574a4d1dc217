/*
 * explore_page.h - the explorer page's files (the committed build in
 * docs/explore/), compiled into the program by cmake/embed_files.cmake so
 * that `lmpviz explore` needs no emscripten and no data folder.
 */
#ifndef LMPVIZ_EXPLORE_PAGE_H
#define LMPVIZ_EXPLORE_PAGE_H

#include <stddef.h>

typedef struct cli_embedded_file {
    const char *name; /* "index.html" */
    const unsigned char *data;
    size_t size;
} cli_embedded_file;

/* index.html, explore.js, explore.css and lmp.js (the .wasm inside). */
extern const cli_embedded_file cli_explore_files[];
extern const size_t cli_explore_files_count;

#endif /* LMPVIZ_EXPLORE_PAGE_H */
