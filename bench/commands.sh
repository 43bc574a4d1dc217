#!/bin/sh
# Whole-command timings of two lmpviz builds in one run, with hyperfine
# (Debian package hyperfine), on the real frames in ../shared/data:
#
#   bench/commands.sh OLD_LMPVIZ NEW_LMPVIZ [RUNS]
#
# 1. heatmap of one 2048x1024 frame, 512x256 float16 probabilities,
#    --resize --panels
# 2. compare --image on the same frame
# 3. heatmap over a 24-frame split (the shared frames with probabilities,
#    repeated under other city names) with --jobs 2
#
# hyperfine runs the two binaries of each command alternately (paired), so
# both see the same load; the ratio it prints is what holds on a shared
# machine.  Outputs go to a temporary folder.
set -eu
OLD=$(realpath "$1")
NEW=$(realpath "$2")
RUNS=${3:-10}
HERE=$(cd "$(dirname "$0")/.." && pwd)
DATA=${LMP_SHARED_DIR:-$HERE/../shared}/data/cityscapes
command -v hyperfine >/dev/null || { echo "commands.sh: needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }
[ -d "$DATA" ] || { echo "commands.sh: no data in $DATA" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

IMG=$DATA/leftImg8bit/val/frankfurt/frankfurt_000000_001236_leftImg8bit.png
LAB=$DATA/gtFine/val/frankfurt/frankfurt_000000_001236_gtFine_labelIds.png
PRB=$DATA/leftImg8bit/val/frankfurt/frankfurt_000000_001236_probs.npy

# The split: leftImg8bit/val/CITY/STEM_leftImg8bit.png, gtFine/..., preds/CITY/STEM_probs.npy
count=0
for f in "$DATA"/leftImg8bit/*/*/*_leftImg8bit.png; do
    stem=$(basename "$f" _leftImg8bit.png)
    dir=$(dirname "$f")
    city=$(basename "$dir")
    split=$(basename "$(dirname "$dir")")
    [ -f "$dir/${stem}_probs.npy" ] || continue
    for k in 0 1 2 3; do
        [ $count -lt 24 ] || break
        count=$((count + 1))
        c=${city}$k
        mkdir -p "$TMP/root/leftImg8bit/val/$c" "$TMP/root/gtFine/val/$c" "$TMP/preds/$c"
        ln -s "$f" "$TMP/root/leftImg8bit/val/$c/${stem}_leftImg8bit.png"
        ln -s "$DATA/gtFine/$split/$city/${stem}_gtFine_labelIds.png" \
            "$TMP/root/gtFine/val/$c/${stem}_gtFine_labelIds.png"
        ln -s "$dir/${stem}_probs.npy" "$TMP/preds/$c/${stem}_probs.npy"
    done
done
echo "split: $(find "$TMP/preds" -name '*_probs.npy' | wc -l) frames"

hyperfine -N -w 2 -r "$RUNS" -n old -n new \
    "$OLD heatmap --image $IMG --labels $LAB --probs $PRB --resize --panels -o $TMP/h.png" \
    "$NEW heatmap --image $IMG --labels $LAB --probs $PRB --resize --panels -o $TMP/h.png"
hyperfine -N -w 2 -r "$RUNS" -n old -n new \
    "$OLD compare --image $IMG --labels $LAB --probs $PRB --resize -o $TMP/c.png" \
    "$NEW compare --image $IMG --labels $LAB --probs $PRB --resize -o $TMP/c.png"
hyperfine -N -w 1 -r "$(( (RUNS + 1) / 2 ))" -n old -n new \
    "$OLD heatmap --cityscapes-root $TMP/root --split val --pred-dir $TMP/preds --out-dir $TMP/o1 --resize --jobs 2 --quiet" \
    "$NEW heatmap --cityscapes-root $TMP/root --split val --pred-dir $TMP/preds --out-dir $TMP/o2 --resize --jobs 2 --quiet"
