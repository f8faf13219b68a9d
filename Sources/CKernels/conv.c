// Kernels of the small CNN (see CKernels.h): 3×3 im2col / col2im with padding 1, a direct
// convolution for one input channel, bias rows, column sums and global mean pooling. All tensors
// are NHWC; a "col" matrix has one row per output pixel (n, ho, wo) and 9·C columns ordered
// (kh, kw, c), matching HWIO weights viewed as a (9·C) × Cout matrix.
#include "CKernels.h"
#include "dispatch.h"

// Copies of a few channels must stay inline vector moves: clang would otherwise turn the short
// copy / zero loops into memcpy / memset calls (one call per 3×3 tap: most of im2col's time).
#if defined(__clang__)
#define MT_NO_LIBCALLS __attribute__((no_builtin("memcpy", "memset", "memmove")))
#else
#define MT_NO_LIBCALLS
#endif

MT_HOT MT_NO_LIBCALLS void mt_im2col3x3(size_t n, size_t h, size_t w, size_t c, size_t stride, size_t ho, size_t wo,
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

MT_HOT MT_NO_LIBCALLS void mt_col2im3x3(size_t n, size_t h, size_t w, size_t c, size_t stride, size_t ho, size_t wo,
                         const float *restrict col, float *restrict x) {
    const size_t rowLength = 9 * c;
    for (size_t i = 0; i < n * h * w * c; i++) x[i] = 0;
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

/// The three input rows under output row oy of a one-channel image, zero-padded: pad[ky][1 + ix]
/// holds x[oy·stride + ky − 1][ix], and the borders (and rows outside the image) hold 0.
static inline __attribute__((always_inline)) void paddedRows(const float *restrict img, size_t h, size_t w,
                                                             size_t stride, size_t oy, float *restrict pad) {
    const size_t pw = w + 2;
    for (size_t ky = 0; ky < 3; ky++) {
        float *row = pad + ky * pw;
        const long iy = (long)(oy * stride + ky) - 1;
        row[0] = 0;
        row[pw - 1] = 0;
        if (iy < 0 || iy >= (long)h) {
            for (size_t i = 1; i <= w; i++) row[i] = 0;
        } else {
            const float *src = img + (size_t)iy * w;
            for (size_t i = 0; i < w; i++) row[1 + i] = src[i];
        }
    }
}

// The one-channel kernels work on blocks of CB output channels (and PB output pixels of a row),
// with the accumulators in fixed-size local arrays so that they live in registers.
#define CB 16
#define PB 4

MT_HOT MT_NO_LIBCALLS void mt_conv3x3_c1_forward(size_t n, size_t h, size_t w, size_t stride, size_t ho,
                                                 size_t wo, size_t cout, const float *restrict x,
                                                 const float *restrict weights, const float *restrict bias,
                                                 float *restrict z) {
    const size_t pw = w + 2;
    float pad[3 * pw];
    for (size_t b = 0; b < n; b++) {
        const float *img = x + b * h * w;
        for (size_t oy = 0; oy < ho; oy++) {
            paddedRows(img, h, w, stride, oy, pad);
            float *outRow = z + (b * ho + oy) * wo * cout;
            size_t ox0 = 0;
            size_t o0 = 0;
            for (; o0 + CB <= cout; o0 += CB) {
                for (ox0 = 0; ox0 + PB <= wo; ox0 += PB) {
                    float acc[PB][CB];
                    for (size_t p = 0; p < PB; p++)
                        for (size_t i = 0; i < CB; i++) acc[p][i] = bias[o0 + i];
                    for (size_t ky = 0; ky < 3; ky++) {
                        for (size_t kx = 0; kx < 3; kx++) {
                            const float *wt = weights + (ky * 3 + kx) * cout + o0;
                            for (size_t p = 0; p < PB; p++) {
                                const float v = pad[ky * pw + (ox0 + p) * stride + kx];
                                for (size_t i = 0; i < CB; i++) acc[p][i] = MT_FMA(v, wt[i], acc[p][i]);
                            }
                        }
                    }
                    for (size_t p = 0; p < PB; p++)
                        for (size_t i = 0; i < CB; i++) outRow[(ox0 + p) * cout + o0 + i] = acc[p][i];
                }
                for (; ox0 < wo; ox0++) {  // the row's tail
                    float acc[CB];
                    for (size_t i = 0; i < CB; i++) acc[i] = bias[o0 + i];
                    for (size_t t = 0; t < 9; t++) {
                        const float v = pad[(t / 3) * pw + ox0 * stride + t % 3];
                        for (size_t i = 0; i < CB; i++) acc[i] = MT_FMA(v, weights[t * cout + o0 + i], acc[i]);
                    }
                    for (size_t i = 0; i < CB; i++) outRow[ox0 * cout + o0 + i] = acc[i];
                }
            }
            for (size_t ox = 0; o0 < cout && ox < wo; ox++) {  // channels beyond the last full block
                for (size_t i = o0; i < cout; i++) {
                    float acc = bias[i];
                    for (size_t t = 0; t < 9; t++) acc = MT_FMA(pad[(t / 3) * pw + ox * stride + t % 3], weights[t * cout + i], acc);
                    outRow[ox * cout + i] = acc;
                }
            }
        }
    }
}

MT_HOT MT_NO_LIBCALLS void mt_conv3x3_c1_filter_gradient(size_t n, size_t h, size_t w, size_t stride, size_t ho,
                                                         size_t wo, size_t cout, const float *restrict x,
                                                         const float *restrict dz, float *restrict dweights) {
    const size_t pw = w + 2;
    float pad[3 * pw];
    size_t o0 = 0;
    // Full blocks of CB channels: the 9 × CB accumulators stay in registers (a loop bound that is
    // not a constant would send them to the stack, hence the separate tail below).
    for (; o0 + CB <= cout; o0 += CB) {
        float acc[9][CB];
        for (size_t t = 0; t < 9; t++)
            for (size_t i = 0; i < CB; i++) acc[t][i] = 0;
        for (size_t b = 0; b < n; b++) {
            for (size_t oy = 0; oy < ho; oy++) {
                paddedRows(x + b * h * w, h, w, stride, oy, pad);
                const float *gRow = dz + (b * ho + oy) * wo * cout + o0;
                for (size_t ox = 0; ox < wo; ox++) {
                    const float *g = gRow + ox * cout;
                    const float *window = pad + ox * stride;
                    for (size_t ky = 0; ky < 3; ky++)
                        for (size_t kx = 0; kx < 3; kx++) {
                            const float v = window[ky * pw + kx];
                            for (size_t i = 0; i < CB; i++) acc[ky * 3 + kx][i] = MT_FMA(v, g[i], acc[ky * 3 + kx][i]);
                        }
                }
            }
        }
        for (size_t t = 0; t < 9; t++)
            for (size_t i = 0; i < CB; i++) dweights[t * cout + o0 + i] = acc[t][i];
    }
    if (o0 == cout) return;
    const size_t nb = cout - o0;
    for (size_t t = 0; t < 9; t++)
        for (size_t i = 0; i < nb; i++) dweights[t * cout + o0 + i] = 0;
    for (size_t b = 0; b < n; b++) {
        for (size_t oy = 0; oy < ho; oy++) {
            paddedRows(x + b * h * w, h, w, stride, oy, pad);
            const float *gRow = dz + (b * ho + oy) * wo * cout + o0;
            for (size_t ox = 0; ox < wo; ox++) {
                const float *g = gRow + ox * cout;
                const float *window = pad + ox * stride;
                for (size_t t = 0; t < 9; t++) {
                    const float v = window[(t / 3) * pw + t % 3];
                    float *dw = dweights + t * cout + o0;
                    for (size_t i = 0; i < nb; i++) dw[i] = MT_FMA(v, g[i], dw[i]);
                }
            }
        }
    }
}

MT_HOT MT_NO_LIBCALLS void mt_fill_rows(size_t rows, size_t cols, const float *restrict row, float *restrict y) {
    for (size_t r = 0; r < rows; r++) {
        float *dst = y + r * cols;
        for (size_t i = 0; i < cols; i++) dst[i] = row[i];
    }
}

MT_HOT void mt_column_sums(size_t rows, size_t cols, const float *restrict x, float *restrict sums) {
    for (size_t c0 = 0; c0 < cols; c0 += CB) {
        const size_t nb = cols - c0 < CB ? cols - c0 : CB;
        float acc[CB] = {0};
        if (nb == CB) {
            for (size_t r = 0; r < rows; r++)
                for (size_t i = 0; i < CB; i++) acc[i] += x[r * cols + c0 + i];
        } else {
            for (size_t r = 0; r < rows; r++)
                for (size_t i = 0; i < nb; i++) acc[i] += x[r * cols + c0 + i];
        }
        for (size_t i = 0; i < nb; i++) sums[c0 + i] = acc[i];
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

MT_HOT MT_NO_LIBCALLS void mt_mean_pool_backward(size_t n, size_t pixels, size_t c, const float *restrict dpooled,
                                  float *restrict dx) {
    const float scale = 1.0f / (float)pixels;
    for (size_t b = 0; b < n; b++) {
        const float *g = dpooled + b * c;
        float *out = dx + b * pixels * c;
        for (size_t p = 0; p < pixels; p++)
            for (size_t i = 0; i < c; i++) out[p * c + i] = g[i] * scale;
    }
}
