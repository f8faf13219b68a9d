// Elementwise kernels with run-time CPU dispatch (see CKernels.h).
#include "CKernels.h"
#include "dispatch.h"

int mt_cpu_level(void) {
#if defined(__x86_64__) && defined(__clang__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")) return 3;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 2;
    return 1;
#else
    return 0;
#endif
}

MT_HOT void mt_axpy(size_t n, float a, const float *restrict x, float *restrict y) {
    for (size_t i = 0; i < n; i++) y[i] = MT_FMA(a, x[i], y[i]);
}

MT_HOT void mt_adam_step(size_t n, float *restrict p, const float *restrict g, float *restrict m,
                         float *restrict v, float lr, float b1, float b2, float eps, float c1, float c2) {
    const float s1 = lr / c1;
    const float r2 = 1.0f / c2;
    for (size_t i = 0; i < n; i++) {
        const float gi = g[i];
        const float mi = MT_FMA(b1, m[i] - gi, gi);          // b1·m + (1−b1)·g
        const float vi = MT_FMA(b2, v[i] - gi * gi, gi * gi); // b2·v + (1−b2)·g²
        m[i] = mi;
        v[i] = vi;
        p[i] -= s1 * mi / (MT_SQRT(vi * r2) + eps);
    }
}

MT_HOT double mt_sum_squares(size_t n, const float *restrict x) {
    double s = 0;
    for (size_t i = 0; i < n; i++) s += (double)x[i] * (double)x[i];
    return s;
}
