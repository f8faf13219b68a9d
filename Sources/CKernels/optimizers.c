// Fused elementwise kernels for the hand-designed optimizers (MetaOptimizers' ScaleBy… blocks).
// Each turns a gradient `u` into a direction in place and updates its moments; `scale` folds in the
// learning rate (and the descent sign) so that a whole optimizer is one pass over memory.
// Deliberately not here: anything per tensor (Adafactor's factored moments stay in Swift).
#include "CKernels.h"
#include "dispatch.h"

MT_HOT void mt_opt_adam(size_t n, float *restrict u, const float *restrict p, float *restrict m,
                        float *restrict v, float b1, float b2, float eps, float c1, float c2,
                        float weight_decay, float scale) {
    const float r1 = 1.0f / c1;
    const float r2 = 1.0f / c2;
    if (p != NULL && weight_decay != 0.0f) {
        for (size_t i = 0; i < n; i++) {
            const float gi = u[i];
            const float mi = MT_FMA(b1, m[i] - gi, gi);
            const float vi = MT_FMA(b2, v[i] - gi * gi, gi * gi);
            m[i] = mi;
            v[i] = vi;
            u[i] = scale * ((mi * r1) / (MT_SQRT(vi * r2) + eps) + weight_decay * p[i]);
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            const float gi = u[i];
            const float mi = MT_FMA(b1, m[i] - gi, gi);
            const float vi = MT_FMA(b2, v[i] - gi * gi, gi * gi);
            m[i] = mi;
            v[i] = vi;
            u[i] = scale * ((mi * r1) / (MT_SQRT(vi * r2) + eps));
        }
    }
}

MT_HOT void mt_opt_adam_apply(size_t n, float *restrict p, const float *restrict g, float *restrict m,
                              float *restrict v, float b1, float b2, float eps, float c1, float c2,
                              float weight_decay, float scale) {
    const float r1 = 1.0f / c1;
    const float r2 = 1.0f / c2;
    for (size_t i = 0; i < n; i++) {
        const float gi = g[i];
        const float mi = MT_FMA(b1, m[i] - gi, gi);
        const float vi = MT_FMA(b2, v[i] - gi * gi, gi * gi);
        m[i] = mi;
        v[i] = vi;
        p[i] += scale * ((mi * r1) / (MT_SQRT(vi * r2) + eps) + weight_decay * p[i]);
    }
}

MT_HOT void mt_opt_rms(size_t n, float *restrict u, float *restrict v, float decay, float eps,
                       int eps_in_sqrt, float scale) {
    if (eps_in_sqrt) {
        for (size_t i = 0; i < n; i++) {
            const float gi = u[i];
            const float vi = MT_FMA(decay, v[i] - gi * gi, gi * gi);
            v[i] = vi;
            u[i] = scale * gi / MT_SQRT(vi + eps);
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            const float gi = u[i];
            const float vi = MT_FMA(decay, v[i] - gi * gi, gi * gi);
            v[i] = vi;
            u[i] = scale * gi / (MT_SQRT(vi) + eps);
        }
    }
}

MT_HOT void mt_opt_rss(size_t n, float *restrict u, float *restrict s, float eps, float scale) {
    for (size_t i = 0; i < n; i++) {
        const float gi = u[i];
        const float si = MT_FMA(gi, gi, s[i]);
        s[i] = si;
        u[i] = si > 0.0f ? scale * gi / MT_SQRT(si + eps) : 0.0f;
    }
}

MT_HOT void mt_opt_trace(size_t n, float *restrict u, float *restrict t, float decay, int nesterov,
                         float scale) {
    if (nesterov) {
        for (size_t i = 0; i < n; i++) {
            const float gi = u[i];
            const float ti = MT_FMA(decay, t[i], gi);
            t[i] = ti;
            u[i] = scale * MT_FMA(decay, ti, gi);
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            const float ti = MT_FMA(decay, t[i], u[i]);
            t[i] = ti;
            u[i] = scale * ti;
        }
    }
}

MT_HOT void mt_opt_lion(size_t n, float *restrict u, const float *restrict p, float *restrict m,
                        float b1, float b2, float weight_decay, float scale) {
    // sign(x) as (x > 0) − (x < 0): branch-free, so every clone vectorizes.
    if (p != NULL && weight_decay != 0.0f) {
        for (size_t i = 0; i < n; i++) {
            const float gi = u[i];
            const float x = MT_FMA(b1, m[i] - gi, gi);   // b1·m + (1−b1)·g
            m[i] = MT_FMA(b2, m[i] - gi, gi);            // b2·m + (1−b2)·g
            u[i] = scale * ((float)(x > 0.0f) - (float)(x < 0.0f) + weight_decay * p[i]);
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            const float gi = u[i];
            const float x = MT_FMA(b1, m[i] - gi, gi);
            m[i] = MT_FMA(b2, m[i] - gi, gi);
            u[i] = scale * ((float)(x > 0.0f) - (float)(x < 0.0f));
        }
    }
}

MT_HOT void mt_opt_adax(size_t n, float *restrict u, float *restrict m, float *restrict v, float b1,
                        float b2, float eps, float scale) {
    const float grow = 1.0f + b2;
    for (size_t i = 0; i < n; i++) {
        const float gi = u[i];
        const float mi = MT_FMA(b1, m[i] - gi, gi);
        const float vi = MT_FMA(grow, v[i], b2 * gi * gi);
        m[i] = mi;
        v[i] = vi;
        u[i] = scale * mi / (MT_SQRT(vi) + eps);
    }
}

MT_HOT void mt_opt_scale_add(size_t n, float *restrict u, const float *restrict p, float a, float b) {
    for (size_t i = 0; i < n; i++) u[i] = MT_FMA(a, u[i], b * p[i]);
}

MT_HOT void mt_opt_scale(size_t n, float *u, float a) {
    for (size_t i = 0; i < n; i++) u[i] *= a;
}

MT_HOT void mt_opt_clip(size_t n, float *u, float lo, float hi) {
    for (size_t i = 0; i < n; i++) {
        const float x = u[i];
        u[i] = x < lo ? lo : (x > hi ? hi : x);
    }
}
