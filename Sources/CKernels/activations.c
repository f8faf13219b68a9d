// Elementwise activations and their derivatives, dense-layer epilogues (bias + activation, and its
// backward with the bias-gradient reduction fused in) and softmax cross-entropy, all with run-time
// CPU dispatch (MT_HOT). Transcendentals are branch-free so the loops vectorize: exp by Cody–Waite
// range reduction and a degree-7 Taylor polynomial (≈1–2 ulp); tanh through expm1, which stays
// accurate near 0; sin/cos reduced and evaluated in double (accurate for |x| up to ~1e6).
// This file does no matrix products (those are BLAS calls made by the callers).
#include "CKernels.h"
#include "dispatch.h"

#define MT_INLINE static inline __attribute__((always_inline))

MT_INLINE float f32_from_bits(uint32_t b) { return __builtin_bit_cast(float, b); }
MT_INLINE uint32_t bits_from_f32(float f) { return __builtin_bit_cast(uint32_t, f); }

// ---- exp -------------------------------------------------------------------------------------

// e^y = scale · (1 + p): scale = 2^n with n = round(y / ln 2), p = e^r − 1 with r = y − n·ln 2.
// y is clamped to [−87, 88] so that scale stays a normal float and scale·(1+p) finite; NaN passes
// through to p. Returning p separately (not 1 + p) keeps expm1 and tanh accurate near 0.
MT_INLINE void exp_parts(float y, float *scale, float *p) {
    y = y < -87.0f ? -87.0f : y;
    y = y > 88.0f ? 88.0f : y;
    // round to nearest by the 1.5·2^23 trick (rintf would be a libm call on the baseline clone)
    const float magic = 12582912.0f;
    const float n = MT_FMA(y, 1.44269504088896341f, magic) - magic;
    // ln 2 = LN2_HI + LN2_LO with LN2_HI short enough that n·LN2_HI is exact for |n| ≤ 256
    float r = MT_FMA(n, -0.693145751953125f, y);
    r = MT_FMA(n, -1.428606820309417232e-6f, r);
    // e^r − 1 = r + r²·(1/2 + r/6 + … + r⁵/7!), |r| ≤ ln2/2: truncation error < 6e-9 relative
    float q = 1.0f / 5040.0f;
    q = MT_FMA(q, r, 1.0f / 720.0f);
    q = MT_FMA(q, r, 1.0f / 120.0f);
    q = MT_FMA(q, r, 1.0f / 24.0f);
    q = MT_FMA(q, r, 1.0f / 6.0f);
    q = MT_FMA(q, r, 0.5f);
    *p = MT_FMA(q, r * r, r);
    *scale = f32_from_bits((uint32_t)((int32_t)n + 127) << 23);
}

MT_INLINE float exp_approx(float y) {
    float s, p;
    exp_parts(y, &s, &p);
    return MT_FMA(s, p, s);
}

// σ(x) and σ′(x) = σ(x)·σ(−x) from e = e^(−|x|) ≤ 1: σ(|x|) = 1/(1+e), σ(−|x|) = e/(1+e),
// σ′ = e/(1+e)². No overflow, and no cancellation in 1 − σ for large positive x.
MT_INLINE void sigmoid_parts(float x, float *s, float *ds) {
    const float e = exp_approx(-__builtin_fabsf(x));
    const float inv = 1.0f / (1.0f + e);
    *s = x >= 0.0f ? inv : e * inv;
    *ds = e * inv * inv;
}

MT_INLINE float sigmoid_f(float x) {
    float s, ds;
    sigmoid_parts(x, &s, &ds);
    return s;
}

MT_INLINE float dsigmoid_f(float x) {
    float s, ds;
    sigmoid_parts(x, &s, &ds);
    return ds;
}

// tanh(|x|) = −u / (2 + u) with u = expm1(−2|x|) ∈ (−1, 0]; 1 − tanh² = 4e / (2 + u)² with
// e = e^(−2|x|), which avoids the cancellation of 1 − t·t.
MT_INLINE void tanh_parts(float x, float *t, float *dt) {
    const float a = __builtin_fabsf(x);
    float s, p;
    exp_parts(-2.0f * a, &s, &p);
    const float u = MT_FMA(s, p, s - 1.0f);
    const float e = MT_FMA(s, p, s);
    const float inv = 1.0f / (2.0f + u);
    *t = __builtin_copysignf(-u * inv, x);
    *dt = 4.0f * e * inv * inv;
}

MT_INLINE float tanh_f(float x) {
    float t, dt;
    tanh_parts(x, &t, &dt);
    return t;
}

MT_INLINE float dtanh_f(float x) {
    float t, dt;
    tanh_parts(x, &t, &dt);
    return dt;
}

// ---- gelu (tanh approximation), silu -------------------------------------------------------------

// 0.5·(1 + tanh(u)) = σ(2u), so gelu(x) = x·σ(2u), u = c·(x + 0.044715·x³). This form has no
// cancellation for negative x; its derivative is σ(2u) + 2x·σ′(2u)·c·(1 + 3·0.044715·x²).
#define MT_GELU_C 0.7978845608028654f
#define MT_GELU_A 0.044715f

MT_INLINE float gelu_f(float x) {
    const float u = MT_GELU_C * MT_FMA(MT_GELU_A * x, x * x, x);
    return x * sigmoid_f(2.0f * u);
}

MT_INLINE float dgelu_f(float x) {
    const float u = MT_GELU_C * MT_FMA(MT_GELU_A * x, x * x, x);
    float s, ds;
    sigmoid_parts(2.0f * u, &s, &ds);
    const float du = MT_GELU_C * MT_FMA(3.0f * MT_GELU_A * x, x, 1.0f);
    return MT_FMA(2.0f * x * ds, du, s);
}

// silu(x) = x·σ(x); silu′(x) = σ(x) + x·σ′(x)
MT_INLINE float silu_f(float x) { return x * sigmoid_f(x); }

MT_INLINE float dsilu_f(float x) {
    float s, ds;
    sigmoid_parts(x, &s, &ds);
    return MT_FMA(x, ds, s);
}

// ---- relu, leaky relu ------------------------------------------------------------------------

MT_INLINE float identity_f(float x) { return x; }
MT_INLINE float didentity_f(float x) { (void)x; return 1.0f; }
MT_INLINE float relu_f(float x) { return x > 0.0f ? x : 0.0f; }
MT_INLINE float drelu_f(float x) { return x > 0.0f ? 1.0f : 0.0f; }
MT_INLINE float leaky_f(float x) { return x >= 0.0f ? x : MT_LEAKY_RELU_SLOPE * x; }
MT_INLINE float dleaky_f(float x) { return x >= 0.0f ? 1.0f : MT_LEAKY_RELU_SLOPE; }

// ---- sin, cos ----------------------------------------------------------------------------------

// sin(x + shift·π/2), reduced in double: k = round(x·2/π), r = x − k·π/2 (π/2 split in two doubles),
// then a Taylor polynomial of sin or cos on |r| ≤ π/4 (error < 2e-9) picked by the quadrant k + shift.
MT_INLINE float sin_quadrant(float xf, int shift) {
    const double x = (double)xf;
    const double magic = 6755399441055744.0;  // 1.5·2^52: round to nearest, k in the low bits
    const double t = MT_FMA(x, 0.63661977236758134308, magic);
    const double k = t - magic;
    const uint64_t q = __builtin_bit_cast(uint64_t, t) + (uint64_t)shift;
    double r = MT_FMA(k, -1.5707963267948966, x);
    r = MT_FMA(k, -6.123233995736766e-17, r);
    const double r2 = r * r;
    double sp = -1.0 / 39916800.0;  // −1/11!
    sp = MT_FMA(sp, r2, 1.0 / 362880.0);
    sp = MT_FMA(sp, r2, -1.0 / 5040.0);
    sp = MT_FMA(sp, r2, 1.0 / 120.0);
    sp = MT_FMA(sp, r2, -1.0 / 6.0);
    const double sv = MT_FMA(sp * r2, r, r);
    double cp = 1.0 / 479001600.0;  // 1/12!
    cp = MT_FMA(cp, r2, -1.0 / 3628800.0);
    cp = MT_FMA(cp, r2, 1.0 / 40320.0);
    cp = MT_FMA(cp, r2, -1.0 / 720.0);
    cp = MT_FMA(cp, r2, 1.0 / 24.0);
    cp = MT_FMA(cp, r2, -0.5);
    const double cv = MT_FMA(cp, r2, 1.0);
    const double v = (q & 1) ? cv : sv;
    const uint64_t sign = (q & 2) << 62;
    return (float)__builtin_bit_cast(double, __builtin_bit_cast(uint64_t, v) ^ sign);
}

MT_INLINE float sin_f(float x) { return sin_quadrant(x, 0); }
MT_INLINE float dsin_f(float x) { return sin_quadrant(x, 1); }

// ---- dispatch over the kind ------------------------------------------------------------------

// Expands BODY(f, df) once per kind, so that each loop has one activation inlined and vectorizes.
#define MT_SWITCH_KIND(kind, BODY)                                   \
    switch (kind) {                                                  \
    case MT_ACT_IDENTITY: BODY(identity_f, didentity_f); break;      \
    case MT_ACT_RELU: BODY(relu_f, drelu_f); break;                  \
    case MT_ACT_TANH: BODY(tanh_f, dtanh_f); break;                  \
    case MT_ACT_GELU: BODY(gelu_f, dgelu_f); break;                  \
    case MT_ACT_SILU: BODY(silu_f, dsilu_f); break;                  \
    case MT_ACT_SIGMOID: BODY(sigmoid_f, dsigmoid_f); break;         \
    case MT_ACT_LEAKY_RELU: BODY(leaky_f, dleaky_f); break;          \
    case MT_ACT_SIN: BODY(sin_f, dsin_f); break;                     \
    default: break;                                                  \
    }

MT_HOT void mt_activation_forward(int kind, size_t n, const float *x, float *y) {
    if (x == y) {
        float *restrict io = y;
#define BODY(f, df) for (size_t i = 0; i < n; i++) io[i] = f(io[i])
        MT_SWITCH_KIND(kind, BODY)
#undef BODY
    } else {
        const float *restrict in = x;
        float *restrict out = y;
#define BODY(f, df) for (size_t i = 0; i < n; i++) out[i] = f(in[i])
        MT_SWITCH_KIND(kind, BODY)
#undef BODY
    }
}

MT_HOT void mt_activation_backward(int kind, size_t n, const float *x, const float *dy, float *dx) {
    const float *restrict pre = x;
    if (dy == dx) {
        float *restrict io = dx;
#define BODY(f, df) for (size_t i = 0; i < n; i++) io[i] *= df(pre[i])
        MT_SWITCH_KIND(kind, BODY)
#undef BODY
    } else {
        const float *restrict in = dy;
        float *restrict out = dx;
#define BODY(f, df) for (size_t i = 0; i < n; i++) out[i] = in[i] * df(pre[i])
        MT_SWITCH_KIND(kind, BODY)
#undef BODY
    }
}

MT_HOT void mt_bias_activation_forward(int kind, size_t rows, size_t cols, const float *restrict bias,
                                       float *restrict z, float *restrict a) {
    if (a == NULL) {
        for (size_t r = 0; r < rows; r++) {
            float *restrict zr = z + r * cols;
            for (size_t c = 0; c < cols; c++) zr[c] += bias[c];
        }
        return;
    }
#define BODY(f, df)                                                  \
    for (size_t r = 0; r < rows; r++) {                              \
        float *restrict zr = z + r * cols;                           \
        float *restrict ar = a + r * cols;                           \
        for (size_t c = 0; c < cols; c++) {                          \
            const float v = zr[c] + bias[c];                         \
            zr[c] = v;                                               \
            ar[c] = f(v);                                            \
        }                                                            \
    }
    MT_SWITCH_KIND(kind, BODY)
#undef BODY
}

MT_HOT void mt_activation_bias_backward(int kind, size_t rows, size_t cols, const float *restrict z,
                                        float *restrict d, float *restrict dbias) {
    if (dbias != NULL) {
        for (size_t c = 0; c < cols; c++) dbias[c] = 0.0f;
    }
#define BODY(f, df)                                                  \
    for (size_t r = 0; r < rows; r++) {                              \
        float *restrict dr = d + r * cols;                           \
        const float *restrict zr = z + r * cols;                     \
        for (size_t c = 0; c < cols; c++) dr[c] *= df(zr[c]);        \
        if (dbias != NULL)                                           \
            for (size_t c = 0; c < cols; c++) dbias[c] += dr[c];     \
    }
    if (kind == MT_ACT_IDENTITY) {
        if (dbias != NULL)
            for (size_t r = 0; r < rows; r++) {
                const float *restrict dr = d + r * cols;
                for (size_t c = 0; c < cols; c++) dbias[c] += dr[c];
            }
    } else {
        MT_SWITCH_KIND(kind, BODY)
    }
#undef BODY
}

MT_HOT double mt_softmax_cross_entropy(size_t rows, size_t classes, const float *restrict logits,
                                       const int32_t *restrict labels, float *restrict dlogits,
                                       float scale, size_t *restrict correct) {
    double total = 0.0;
    size_t hits = 0;
    for (size_t r = 0; r < rows; r++) {
        const float *restrict row = logits + r * classes;
        float m = row[0];
        size_t arg = 0;
        for (size_t c = 1; c < classes; c++)
            if (row[c] > m) { m = row[c]; arg = c; }
        const size_t label = (size_t)labels[r];
        float s = 0.0f;
        if (dlogits != NULL) {
            float *restrict out = dlogits + r * classes;
            for (size_t c = 0; c < classes; c++) out[c] = exp_approx(row[c] - m);
            for (size_t c = 0; c < classes; c++) s += out[c];
            const float inv = scale / s;
            for (size_t c = 0; c < classes; c++) out[c] *= inv;
            out[label] -= scale;
        } else {
            for (size_t c = 0; c < classes; c++) s += exp_approx(row[c] - m);
        }
        total += (double)m + __builtin_log((double)s) - (double)row[label];
        if (arg == label) hits++;
    }
    if (correct != NULL) *correct = hits;
    return total;
}
