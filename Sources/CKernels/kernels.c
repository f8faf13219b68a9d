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

MT_HOT double mt_sum_squares(size_t n, const float *restrict x) {
    double s = 0;
    for (size_t i = 0; i < n; i++) s += (double)x[i] * (double)x[i];
    return s;
}
