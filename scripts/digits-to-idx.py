#!/usr/bin/env python3
"""Writes scikit-learn's copy of the UCI optical-digits test set (1,797 8×8 images, pixels 0..16)
as gzip IDX files, the format `"dataset": {"kind": "idx", ...}` reads.

    python3 scripts/digits-to-idx.py DIGITS_CSV_GZ OUT_DIR

DIGITS_CSV_GZ is `sklearn/datasets/data/digits.csv.gz` from a scikit-learn wheel
(`pip download scikit-learn --no-deps`, then unzip). Pixels are scaled ×15 to 0..240. The first
1,297 rows become train-*, the last 500 test-* (the rows are in the file's order, deterministic)."""
import gzip, struct, sys

src, out = sys.argv[1], sys.argv[2]
rows = [list(map(int, line.split(","))) for line in gzip.open(src, "rt") if line.strip()]
assert len(rows) == 1797 and all(len(r) == 65 for r in rows), "unexpected digits.csv.gz layout"

def write(name, part):
    images = bytes(min(255, 15 * v) for r in part for v in r[:64])
    labels = bytes(r[64] for r in part)
    # mtime=0 keeps the gzip bytes reproducible.
    with gzip.GzipFile(f"{out}/{name}-images-idx3-ubyte.gz", "wb", mtime=0) as f:
        f.write(struct.pack(">IIII", 0x803, len(part), 8, 8) + images)
    with gzip.GzipFile(f"{out}/{name}-labels-idx1-ubyte.gz", "wb", mtime=0) as f:
        f.write(struct.pack(">II", 0x801, len(part)) + labels)

write("train", rows[:1297])
write("test", rows[1297:])
print(f"wrote {out}/{{train,test}}-{{images-idx3,labels-idx1}}-ubyte.gz: 1297 + 500 images")
