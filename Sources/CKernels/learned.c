// Fused kernels of the learned optimizers (MetaLearned): the per-parameter MLP over blocks of 32 rows
// with the activations in registers / L1 (docs/architecture.md §8: three separate sgemm calls were 4× slower), and
// the accumulator pass that feeds its feature normalization.
// Per tensor: the LSTM step and its small dense heads (the loss statistics stay in Swift).
#include <math.h>
#include <string.h>

#include "CKernels.h"
#include "dispatch.h"

#define RB MT_LO_ROWS
#define MT_INLINE static inline __attribute__((always_inline))

// 16 lanes as one value: one zmm register on AVX-512, split by the compiler on the other clones.
typedef float v16 __attribute__((vector_size(64)));
typedef float v16u __attribute__((vector_size(64), aligned(4)));

// y[j][0..<RB] = act(b[j] + Σ_k W[k][j] · x[k][0..<RB]) for j < h. Tiles of 8 outputs × 32 rows keep
// 16 accumulators in registers; each step of k loads two row vectors and broadcasts 8 weights.
MT_INLINE void dense_block(int K, int H, const float *restrict x, size_t ldx, const float *restrict w,
                           const float *restrict b, int relu, float *restrict y) {
    int j0 = 0;
    for (; j0 + 8 <= H; j0 += 8) {
        v16 a0[8], a1[8];
        for (int jj = 0; jj < 8; jj++) {
            a0[jj] = (v16){0} + b[j0 + jj];
            a1[jj] = a0[jj];
        }
        for (int k = 0; k < K; k++) {
            const v16 x0 = *(const v16u *)(x + (size_t)k * ldx);
            const v16 x1 = *(const v16u *)(x + (size_t)k * ldx + 16);
            const float *wk = w + (size_t)k * H + j0;
            for (int jj = 0; jj < 8; jj++) {
                a0[jj] = MT_FMA(x0, wk[jj], a0[jj]);
                a1[jj] = MT_FMA(x1, wk[jj], a1[jj]);
            }
        }
        for (int jj = 0; jj < 8; jj++) {
            v16 r0 = a0[jj], r1 = a1[jj];
            if (relu) {
                r0 = __builtin_elementwise_max(r0, (v16){0});
                r1 = __builtin_elementwise_max(r1, (v16){0});
            }
            *(v16u *)(y + (size_t)(j0 + jj) * RB) = r0;
            *(v16u *)(y + (size_t)(j0 + jj) * RB + 16) = r1;
        }
    }
    // Leftover outputs two at a time: four independent FMA chains cover the FMA latency (one lone
    // output is two chains, half the throughput). Each output's sum keeps its order over k, so the
    // results are bit-identical to the one-at-a-time loop below.
    for (; j0 + 2 <= H; j0 += 2) {
        v16 a0 = (v16){0} + b[j0], a1 = a0, c0 = (v16){0} + b[j0 + 1], c1 = c0;
        for (int k = 0; k < K; k++) {
            const v16 x0 = *(const v16u *)(x + (size_t)k * ldx);
            const v16 x1 = *(const v16u *)(x + (size_t)k * ldx + 16);
            const float w0 = w[(size_t)k * H + j0], w1 = w[(size_t)k * H + j0 + 1];
            a0 = MT_FMA(x0, w0, a0);
            a1 = MT_FMA(x1, w0, a1);
            c0 = MT_FMA(x0, w1, c0);
            c1 = MT_FMA(x1, w1, c1);
        }
        if (relu) {
            a0 = __builtin_elementwise_max(a0, (v16){0});
            a1 = __builtin_elementwise_max(a1, (v16){0});
            c0 = __builtin_elementwise_max(c0, (v16){0});
            c1 = __builtin_elementwise_max(c1, (v16){0});
        }
        *(v16u *)(y + (size_t)j0 * RB) = a0;
        *(v16u *)(y + (size_t)j0 * RB + 16) = a1;
        *(v16u *)(y + (size_t)(j0 + 1) * RB) = c0;
        *(v16u *)(y + (size_t)(j0 + 1) * RB + 16) = c1;
    }
    for (; j0 < H; j0++) {
        v16 a0 = (v16){0} + b[j0], a1 = a0;
        for (int k = 0; k < K; k++) {
            const float wk = w[(size_t)k * H + j0];
            a0 = MT_FMA(*(const v16u *)(x + (size_t)k * ldx), wk, a0);
            a1 = MT_FMA(*(const v16u *)(x + (size_t)k * ldx + 16), wk, a1);
        }
        if (relu) {
            a0 = __builtin_elementwise_max(a0, (v16){0});
            a1 = __builtin_elementwise_max(a1, (v16){0});
        }
        *(v16u *)(y + (size_t)j0 * RB) = a0;
        *(v16u *)(y + (size_t)j0 * RB + 16) = a1;
    }
}

// Blocks ahead that mt_mlp3_forward prefetches its input.
#define MT_LO_PREFETCH 8

// Requests one block's rows of every input feature into L2.
MT_INLINE void prefetch_block(int nin, const float *x, size_t ldx) {
    for (int k = 0; k < nin; k++) {
        __builtin_prefetch(x + (size_t)k * ldx, 0, 2);
        __builtin_prefetch(x + (size_t)k * ldx + 16, 0, 2);
    }
}

MT_HOT void mt_mlp3_forward(size_t n, int nin, const float *restrict x, size_t ldx, int h1, int h2, int nout,
                            const float *restrict w1, const float *restrict b1, const float *restrict w2,
                            const float *restrict b2, const float *restrict w3, const float *restrict b3,
                            float *restrict y, size_t ldy) {
    float a1[MT_LO_MAX_WIDTH * RB] __attribute__((aligned(64)));
    float a2[MT_LO_MAX_WIDTH * RB] __attribute__((aligned(64)));
    float out[MT_LO_MAX_WIDTH * RB] __attribute__((aligned(64)));
    float tail[MT_LO_MAX_WIDTH * RB] __attribute__((aligned(64)));
    // Feature-major input is nin streams far apart: more than the hardware prefetchers track. Software
    // prefetches run MT_LO_PREFETCH blocks ahead into L2 (prefetching into L1 cost ~10% here: the
    // lines evict the activations); the first blocks are requested up front.
    for (size_t r0 = 0; r0 < n && r0 < MT_LO_PREFETCH * RB; r0 += RB) prefetch_block(nin, x + r0, ldx);
    for (size_t r0 = 0; r0 < n; r0 += RB) {
        const size_t rows = n - r0 < RB ? n - r0 : RB;
        if (rows == RB) {
            if (r0 + MT_LO_PREFETCH * RB < n) prefetch_block(nin, x + r0 + MT_LO_PREFETCH * RB, ldx);
            dense_block(nin, h1, x + r0, ldx, w1, b1, 1, a1);
        } else {
            memset(tail, 0, sizeof(float) * (size_t)nin * RB);
            for (int k = 0; k < nin; k++) memcpy(tail + (size_t)k * RB, x + (size_t)k * ldx + r0, rows * sizeof(float));
            dense_block(nin, h1, tail, RB, w1, b1, 1, a1);
        }
        dense_block(h1, h2, a1, RB, w2, b2, 1, a2);
        dense_block(h2, nout, a2, RB, w3, b3, 0, out);
        for (int j = 0; j < nout; j++) memcpy(y + (size_t)j * ldy + r0, out + (size_t)j * RB, rows * sizeof(float));
    }
}

// Branch-free natural log for x > 0 (Cephes logf polynomial; ~1 ulp on normal inputs), written so the
// loop vectorizer can widen it.
MT_INLINE float lo_logf(float x) {
    uint32_t bits;
    memcpy(&bits, &x, 4);
    float e = (float)((int)((bits >> 23) & 0xff) - 127);
    bits = (bits & 0x007fffffu) | 0x3f800000u;
    float f;
    memcpy(&f, &bits, 4);
    const int big = f > 1.41421356f;
    f = big ? f * 0.5f : f;
    e = big ? e + 1.0f : e;
    f = f - 1.0f;
    const float z = f * f;
    float y = 7.0376836292e-2f;
    y = MT_FMA(y, f, -1.1514610310e-1f);
    y = MT_FMA(y, f, 1.1676998740e-1f);
    y = MT_FMA(y, f, -1.2420140846e-1f);
    y = MT_FMA(y, f, 1.4249322787e-1f);
    y = MT_FMA(y, f, -1.6668057665e-1f);
    y = MT_FMA(y, f, 2.0000714765e-1f);
    y = MT_FMA(y, f, -2.4999993993e-1f);
    y = MT_FMA(y, f, 3.3333331174e-1f);
    y = y * f * z;
    y = MT_FMA(e, -2.12194440e-4f, y);
    y = MT_FMA(z, -0.5f, y);
    return MT_FMA(e, 0.693359375f, f + y);
}

// Branch-free exp (Cephes expf polynomial), argument clamped to [-87, 88].
MT_INLINE float lo_expf(float x) {
    x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
    const int ni = (int)MT_FMA(x, 1.44269504088896341f, 128.5f) - 128;  // round(x·log2 e), x·log2 e > −126
    const float n = (float)ni;
    float r = MT_FMA(n, -0.693359375f, x);
    r = MT_FMA(n, 2.12194440e-4f, r);
    float p = 1.9875691500e-4f;
    p = MT_FMA(p, r, 1.3981999507e-3f);
    p = MT_FMA(p, r, 8.3334519073e-3f);
    p = MT_FMA(p, r, 4.1665795894e-2f);
    p = MT_FMA(p, r, 1.6666665459e-1f);
    p = MT_FMA(p, r, 5.0000001201e-1f);
    p = MT_FMA(p, r * r, r) + 1.0f;
    const uint32_t sb = (uint32_t)(ni + 127) << 23;
    float s;
    memcpy(&s, &sb, 4);
    return p * s;
}

// Elements per step of the accumulate loop: per-lane partial sums let the loop vectorizer widen every
// reduction (no reassociation needed); each chunk's lanes are added in order at the end. Sums of
// squares and sums whose difference makes a variance (E[x²] − E[x]²) are kept in double: in float
// the cancellation leaves noise of ~1e-7·E[x²], far above the 1e-8 the LSTM's log-variance adds.
#define LANES 64

// Largest gradient magnitude after clipping: keeps g² and the second moments finite in float.
#define MT_LO_MAX_GRADIENT 1e15f

MT_HOT void mt_lo_accumulate(size_t n, float *restrict g, const float *restrict p, float *restrict m,
                             float *restrict v, size_t ld, int decays, const float *restrict decay_values,
                             float clip, double *restrict stats) {
    const int D = decays;
    const int ns = MT_LO_NSTATS(D);
    double accd[MT_LO_NSTATS(MT_LO_MAX_DECAYS)][LANES] __attribute__((aligned(64)));
    float accf[MT_LO_NSTATS(MT_LO_MAX_DECAYS)][LANES] __attribute__((aligned(64)));
    for (int s = 0; s < ns; s++)
        for (int l = 0; l < LANES; l++) {
            accd[s][l] = 0;
            accf[s][l] = 0;
        }
    clip = clip < MT_LO_MAX_GRADIENT ? clip : MT_LO_MAX_GRADIENT;
    // Clip first, over the whole chunk, so the accumulator loops below read clean gradients.
    for (size_t i = 0; i < n; i++) {
        float gi = g[i];
        gi = gi != gi ? 0.0f : gi;
        gi = gi > clip ? clip : (gi < -clip ? -clip : gi);
        g[i] = gi;
    }
    for (size_t i0 = 0; i0 < n; i0 += LANES) {
        const int lanes = n - i0 < LANES ? (int)(n - i0) : LANES;
#define ACCUMULATE_PARAMETER(l)                                      \
    do {                                                             \
        const double gi = g[i0 + l], pi = p[i0 + l];                 \
        const float lp = lo_logf(__builtin_fabsf(p[i0 + l]) + 1e-8f); \
        accd[0][l] += gi * gi;                                       \
        accd[1][l] += pi * pi;                                       \
        accf[2][l] += lp * lp;                                       \
        accd[ns - 1][l] += pi;                                       \
    } while (0)
        if (lanes == LANES) {
            for (int l = 0; l < LANES; l++) ACCUMULATE_PARAMETER(l);
        } else {
            for (int l = 0; l < lanes; l++) ACCUMULATE_PARAMETER(l);
        }
#undef ACCUMULATE_PARAMETER
        for (int d = 0; d < D; d++) {
            const float c = decay_values[d];
            float *restrict md = m + (size_t)d * ld + i0;
            float *restrict vd = v + (size_t)d * ld + i0;
            const float *restrict gd = g + i0;
            double *restrict am = accd[3 + d], *restrict av = accd[3 + D + d];
            float *restrict amr = accf[3 + 2 * D + d], *restrict ar = accf[3 + 3 * D + d];
            double *restrict sm = accd[ns - 3], *restrict sv = accd[ns - 2];
#define ACCUMULATE_LANE(l)                                          \
    do {                                                            \
        const float gi = gd[l];                                     \
        const float mi = MT_FMA(c, md[l] - gi, gi);                 \
        const float vi = MT_FMA(c, vd[l] - gi * gi, gi * gi);       \
        md[l] = mi;                                                 \
        vd[l] = vi;                                                 \
        const float r = 1.0f / MT_SQRT(vi + 1e-6f);                 \
        const float mr = mi * r;                                    \
        const double mid = mi, vid = vi;                            \
        am[l] += mid * mid;                                         \
        av[l] += vid * vid;                                         \
        amr[l] += mr * mr;                                          \
        ar[l] += r * r;                                             \
        sm[l] += mid;                                               \
        sv[l] += vid;                                               \
    } while (0)
            if (lanes == LANES) {
                for (int l = 0; l < LANES; l++) ACCUMULATE_LANE(l);
            } else {
                for (int l = 0; l < lanes; l++) ACCUMULATE_LANE(l);
            }
#undef ACCUMULATE_LANE
        }
    }
    for (int s = 0; s < ns; s++) {
        double t = 0;
        for (int l = 0; l < LANES; l++) t += accd[s][l] + (double)accf[s][l];
        stats[s] = t;
    }
}

MT_HOT void mt_lo_mlp_step(size_t n, const float *restrict g, const float *restrict p, const float *restrict m,
                           const float *restrict v, size_t ld, int decays, const float *restrict inv_norm,
                           float feature_clip, int h1, int h2, int nout, const float *restrict w1,
                           const float *restrict b1, const float *restrict w2, const float *restrict b2,
                           const float *restrict w3, const float *restrict b3, float step_exp, float step_scale,
                           float *restrict u, double *restrict extra_sums) {
    const int D = decays;
    const int nf = 3 + 4 * D;
    const float fc = feature_clip;
    float x[(3 + 4 * MT_LO_MAX_DECAYS) * RB] __attribute__((aligned(64)));
    float a1[MT_LO_MAX_WIDTH * RB] __attribute__((aligned(64)));
    float a2[MT_LO_MAX_WIDTH * RB] __attribute__((aligned(64)));
    float out[MT_LO_MAX_WIDTH * RB] __attribute__((aligned(64)));
    float gb[RB], pb[RB];
    // Per-lane sums of the extra outputs (a scalar sum per block would be a long dependency chain).
    v16 extra_acc[MT_LO_MAX_WIDTH];
    for (int j = 2; j < nout; j++) extra_acc[j - 2] = (v16){0};
    for (size_t r0 = 0; r0 < n; r0 += RB) {
        const size_t rows = n - r0 < RB ? n - r0 : RB;
        // Gather the block (zero-padded past n so every lane computes finite numbers).
        if (rows == RB) {
            memcpy(gb, g + r0, sizeof gb);
            memcpy(pb, p + r0, sizeof pb);
        } else {
            memset(gb, 0, sizeof gb);
            memset(pb, 0, sizeof pb);
            memcpy(gb, g + r0, rows * sizeof(float));
            memcpy(pb, p + r0, rows * sizeof(float));
        }
#define PUT(k, expr)                                                     \
    do {                                                                 \
        const float s_ = inv_norm[k];                                    \
        for (int r = 0; r < RB; r++) {                                   \
            float f_ = (expr) * s_;                                      \
            f_ = f_ == f_ ? f_ : 0.0f; /* inf·0 from an overflowed norm */ \
            x[(k) * RB + r] = f_ > fc ? fc : (f_ < -fc ? -fc : f_);      \
        }                                                                \
    } while (0)
        PUT(0, gb[r]);
        PUT(1, pb[r]);
        PUT(2, lo_logf(__builtin_fabsf(pb[r]) + 1e-8f));
        for (int d = 0; d < D; d++) {
            float mb[RB], vb[RB], rb[RB];
            const float *md = m + (size_t)d * ld + r0;
            const float *vd = v + (size_t)d * ld + r0;
            if (rows == RB) {
                memcpy(mb, md, sizeof mb);
                memcpy(vb, vd, sizeof vb);
            } else {
                memset(mb, 0, sizeof mb);
                memset(vb, 0, sizeof vb);
                memcpy(mb, md, rows * sizeof(float));
                memcpy(vb, vd, rows * sizeof(float));
            }
            for (int r = 0; r < RB; r++) rb[r] = 1.0f / MT_SQRT(vb[r] + 1e-6f);
            PUT(3 + d, mb[r]);
            PUT(3 + D + d, vb[r]);
            PUT(3 + 2 * D + d, mb[r] * rb[r]);
            PUT(3 + 3 * D + d, rb[r]);
        }
#undef PUT
        dense_block(nf, h1, x, RB, w1, b1, 1, a1);
        dense_block(h1, h2, a1, RB, w2, b2, 1, a2);
        dense_block(h2, nout, a2, RB, w3, b3, 0, out);
        for (size_t r = 0; r < rows; r++) {
            u[r0 + r] = -out[r] * lo_expf(step_exp * out[RB + r]) * step_scale;
        }
        if (rows == RB) {
            for (int j = 2; j < nout; j++)
                extra_acc[j - 2] += *(const v16u *)(out + (size_t)j * RB) + *(const v16u *)(out + (size_t)j * RB + 16);
        } else {
            for (int j = 2; j < nout; j++)
                for (size_t r = 0; r < rows; r++) extra_acc[j - 2][r % 16] += out[(size_t)j * RB + r];
        }
    }
    for (int j = 2; j < nout; j++) {
        double t = 0;
        for (int l = 0; l < 16; l++) t += extra_acc[j - 2][l];
        extra_sums[j - 2] += t;
    }
}

// ---- the per-tensor LSTM and its heads ----

MT_HOT
void mt_dense(int nin, int nout, const float *restrict x, const float *restrict w, const float *restrict b,
              float *restrict y) {
    for (int j = 0; j < nout; j++) y[j] = b[j];
    for (int k = 0; k < nin; k++) {
        const float xk = x[k];
        if (xk == 0.0f) continue;
        const float *restrict row = w + (size_t)k * nout;
        for (int j = 0; j < nout; j++) y[j] = MT_FMA(row[j], xk, y[j]);
    }
}

static inline float mt_sigmoid(float v) { return 1.0f / (1.0f + expf(-v)); }

// tanh from one expf (glibc's tanhf goes through expm1f and cost more than the LSTM's matrix products):
// x − x³/3 near 0, (e−1)/(e+1) with e = exp(2|x|) elsewhere (relative error < 2e-5), ±1 beyond 9.
static inline float mt_tanh(float v) {
    const float a = fabsf(v);
    float t;
    if (a < 4e-3f) return v - v * v * v * (1.0f / 3.0f);
    if (a > 9.0f) t = 1.0f;
    else {
        const float e = expf(2.0f * a);
        t = (e - 1.0f) / (e + 1.0f);
    }
    return v < 0 ? -t : t;
}

MT_HOT
void mt_lstm_step(int nin, int h, const float *restrict x, float *restrict hidden, float *restrict cell,
                  const float *restrict w_in, const float *restrict w_h, const float *restrict bias,
                  float *restrict z) {
    const int width = 4 * h;
    for (int j = 0; j < width; j++) z[j] = bias[j];
    for (int k = 0; k < nin; k++) {
        const float xk = x[k];
        if (xk == 0.0f) continue;
        const float *restrict row = w_in + (size_t)k * width;
        for (int j = 0; j < width; j++) z[j] = MT_FMA(row[j], xk, z[j]);
    }
    for (int k = 0; k < h; k++) {
        const float hk = hidden[k];
        if (hk == 0.0f) continue;
        const float *restrict row = w_h + (size_t)k * width;
        for (int j = 0; j < width; j++) z[j] = MT_FMA(row[j], hk, z[j]);
    }
    for (int j = 0; j < h; j++) {
        float c = mt_sigmoid(z[h + j]) * cell[j] + mt_sigmoid(z[j]) * mt_tanh(z[2 * h + j]);
        if (!isfinite(c)) c = 0.0f;
        cell[j] = c;
        hidden[j] = mt_sigmoid(z[3 * h + j]) * mt_tanh(c);
    }
}
