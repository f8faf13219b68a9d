// Hot elementwise kernels in C. Each is compiled several times (AVX-512, AVX2+FMA, baseline) with
// `target_clones`, and the loader picks the best for the running CPU, so the package needs no
// unsafe compiler flags. Square roots use `__builtin_elementwise_sqrt`, which has no errno branch
// and so vectorizes. Pointers are `restrict`: callers pass non-overlapping buffers unless a
// function says otherwise.
#ifndef CKERNELS_H
#define CKERNELS_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The widest instruction set the running CPU offers for our kernels:
/// 3 = AVX-512, 2 = AVX2 + FMA, 1 = baseline x86-64, 0 = other architectures.
int mt_cpu_level(void);

/// y[i] += a * x[i]
void mt_axpy(size_t n, float a, const float *restrict x, float *restrict y);

/// Adam (optax's scale_by_adam, epsilon outside the square root, bias-corrected):
/// m ← b1·m + (1−b1)·g; v ← b2·v + (1−b2)·g²; p ← p − lr·(m/c1) / (sqrt(v/c2) + eps),
/// with c1 = 1 − b1^t and c2 = 1 − b2^t passed in by the caller.
void mt_adam_step(size_t n, float *restrict p, const float *restrict g, float *restrict m,
                  float *restrict v, float lr, float b1, float b2, float eps, float c1, float c2);

/// sum of x[i]² in double precision (deterministic order).
double mt_sum_squares(size_t n, const float *restrict x);

#ifdef __cplusplus
}
#endif
#endif
