/*
 * lmpviz.h - analysis and drawing layer of lmpviz: file formats (.npy, PNG),
 * loss profiles (GSL), plots and heatmaps (cairo).  One header per concern,
 * all included here:
 *   lmpviz/core.h     status codes, error detail, formatting
 *   lmpviz/io.h       .npy arrays, PNG images and label maps
 *   lmpviz/plot.h     figures, panels, colours, colormaps, colour bars
 *   lmpviz/seg.h      Cityscapes labels, segmentation losses, class statistics
 *   lmpviz/figures.h  curve, region, heatmap and compare figures
 *   lmpviz/sweep.h    sweep and match: choosing p and m from loss maps
 *   lmpviz/draw.h     the heatmap's pictures and class shares from arrays in memory
 */
#ifndef LMPVIZ_H
#define LMPVIZ_H

#include "lmpviz/core.h"
#include "lmpviz/draw.h"
#include "lmpviz/figures.h"
#include "lmpviz/io.h"
#include "lmpviz/plot.h"
#include "lmpviz/seg.h"

#include "lmpviz/sweep.h"

#endif /* LMPVIZ_H */
