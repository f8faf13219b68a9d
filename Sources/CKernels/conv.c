// Kernels of the small CNN (see CKernels.h): 3×3 im2col / col2im with padding 1, a direct
// convolution for one input channel, bias rows, column sums and global mean pooling. All tensors
// are NHWC; a "col" matrix has one row per output pixel (n, ho, wo) and 9·C columns ordered
// (kh, kw, c), matching HWIO weights viewed as a (9·C) × Cout matrix.
#include <string.h>
#include "CKernels.h"
#include "dispatch.h"

MT_HOT void mt_im2col3x3(size_t n, size_t h, size_t w, size_t c, size_t stride, size_t ho, size_t wo,
                         const float *restrict x, float *restrict col) {
    const size_t rowLength = 9 * c;
    for (size_t b = 0; b < n; b++) {
        const float *img = x + b * h * w * c;
        for (size_t oy = 0; oy < ho; oy++) {
            for (size_t ox = 0; ox < wo; ox++) {
                float *row = col + ((b * ho + oy) * wo + ox) * rowLength;
                for (size_t ky = 0; ky < 3; ky++) {
                    const long iy = (long)(oy * stride + ky) - 1;
                    for (size_t kx = 0; kx < 3; kx++) {
                        const long ix = (long)(ox * stride + kx) - 1;
                        float *dst = row + (ky * 3 + kx) * c;
                        if (iy < 0 || iy >= (long)h || ix < 0 || ix >= (long)w) {
                            for (size_t i = 0; i < c; i++) dst[i] = 0;
                        } else {
                            const float *src = img + ((size_t)iy * w + (size_t)ix) * c;
                            for (size_t i = 0; i < c; i++) dst[i] = src[i];
                        }
                    }
                }
            }
        }
    }
}

MT_HOT void mt_col2im3x3(size_t n, size_t h, size_t w, size_t c, size_t stride, size_t ho, size_t wo,
                         const float *restrict col, float *restrict x) {
    const size_t rowLength = 9 * c;
    memset(x, 0, n * h * w * c * sizeof(float));
    for (size_t b = 0; b < n; b++) {
        float *img = x + b * h * w * c;
        for (size_t oy = 0; oy < ho; oy++) {
            for (size_t ox = 0; ox < wo; ox++) {
                const float *row = col + ((b * ho + oy) * wo + ox) * rowLength;
                for (size_t ky = 0; ky < 3; ky++) {
                    const long iy = (long)(oy * stride + ky) - 1;
                    if (iy < 0 || iy >= (long)h) continue;
                    for (size_t kx = 0; kx < 3; kx++) {
                        const long ix = (long)(ox * stride + kx) - 1;
                        if (ix < 0 || ix >= (long)w) continue;
                        const float *src = row + (ky * 3 + kx) * c;
                        float *dst = img + ((size_t)iy * w + (size_t)ix) * c;
                        for (size_t i = 0; i < c; i++) dst[i] += src[i];
                    }
                }
            }
        }
    }
}

/// The nine input values under the 3×3 window of output pixel (oy, ox) of a one-channel image,
/// zero outside (padding 1).
static inline void window1(const float *restrict img, size_t h, size_t w, size_t stride, size_t oy,
                           size_t ox, float taps[9]) {
    for (size_t ky = 0; ky < 3; ky++) {
        const long iy = (long)(oy * stride + ky) - 1;
        for (size_t kx = 0; kx < 3; kx++) {
            const long ix = (long)(ox * stride + kx) - 1;
            const int inside = iy >= 0 && iy < (long)h && ix >= 0 && ix < (long)w;
            taps[ky * 3 + kx] = inside ? img[(size_t)iy * w + (size_t)ix] : 0.0f;
        }
    }
}

MT_HOT void mt_conv3x3_c1_forward(size_t n, size_t h, size_t w, size_t stride, size_t ho, size_t wo,
                                  size_t cout, const float *restrict x, const float *restrict weights,
                                  const float *restrict bias, float *restrict z) {
    float taps[9];
    for (size_t b = 0; b < n; b++) {
        const float *img = x + b * h * w;
        for (size_t oy = 0; oy < ho; oy++) {
            for (size_t ox = 0; ox < wo; ox++) {
                window1(img, h, w, stride, oy, ox, taps);
                float *out = z + ((b * ho + oy) * wo + ox) * cout;
                for (size_t o = 0; o < cout; o++) out[o] = bias[o];
                for (size_t t = 0; t < 9; t++) {
                    const float v = taps[t];
                    const float *wt = weights + t * cout;
                    for (size_t o = 0; o < cout; o++) out[o] = MT_FMA(v, wt[o], out[o]);
                }
            }
        }
    }
}

MT_HOT void mt_conv3x3_c1_filter_gradient(size_t n, size_t h, size_t w, size_t stride, size_t ho, size_t wo,
                                          size_t cout, const float *restrict x, const float *restrict dz,
                                          float *restrict dweights) {
    float taps[9];
    memset(dweights, 0, 9 * cout * sizeof(float));
    for (size_t b = 0; b < n; b++) {
        const float *img = x + b * h * w;
        for (size_t oy = 0; oy < ho; oy++) {
            for (size_t ox = 0; ox < wo; ox++) {
                window1(img, h, w, stride, oy, ox, taps);
                const float *g = dz + ((b * ho + oy) * wo + ox) * cout;
                for (size_t t = 0; t < 9; t++) {
                    const float v = taps[t];
                    float *dw = dweights + t * cout;
                    for (size_t o = 0; o < cout; o++) dw[o] = MT_FMA(v, g[o], dw[o]);
                }
            }
        }
    }
}

MT_HOT void mt_fill_rows(size_t rows, size_t cols, const float *restrict row, float *restrict y) {
    for (size_t r = 0; r < rows; r++) {
        float *dst = y + r * cols;
        for (size_t i = 0; i < cols; i++) dst[i] = row[i];
    }
}

MT_HOT void mt_column_sums(size_t rows, size_t cols, const float *restrict x, float *restrict sums) {
    for (size_t i = 0; i < cols; i++) sums[i] = 0;
    for (size_t r = 0; r < rows; r++) {
        const float *src = x + r * cols;
        for (size_t i = 0; i < cols; i++) sums[i] += src[i];
    }
}

MT_HOT void mt_mean_pool_forward(size_t n, size_t pixels, size_t c, const float *restrict x,
                                 float *restrict pooled) {
    const float scale = 1.0f / (float)pixels;
    for (size_t b = 0; b < n; b++) {
        float *out = pooled + b * c;
        mt_column_sums(pixels, c, x + b * pixels * c, out);
        for (size_t i = 0; i < c; i++) out[i] *= scale;
    }
}

MT_HOT void mt_mean_pool_backward(size_t n, size_t pixels, size_t c, const float *restrict dpooled,
                                  float *restrict dx) {
    const float scale = 1.0f / (float)pixels;
    for (size_t b = 0; b < n; b++) {
        const float *g = dpooled + b * c;
        float *out = dx + b * pixels * c;
        for (size_t p = 0; p < pixels; p++)
            for (size_t i = 0; i < c; i++) out[p * c + i] = g[i] * scale;
    }
}
