// zlib, for reading gzip-compressed IDX files (Debian: zlib1g-dev).
#include <zlib.h>
