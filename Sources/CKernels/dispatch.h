// Shared macros for the kernels: multi-versioning and errno-free math.
#ifndef MT_DISPATCH_H
#define MT_DISPATCH_H

// MT_HOT compiles a function for AVX-512 (x86-64-v4), AVX2+FMA (x86-64-v3) and the baseline, and
// picks one at load time (an ifunc). Elsewhere (aarch64) it is the plain function: NEON is baseline.
#if defined(__x86_64__) && defined(__clang__)
#define MT_HOT __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define MT_HOT
#endif

// errno-free square root: plain sqrtf() carries an errno branch that stops the loop vectorizer.
#if defined(__clang__)
#define MT_SQRT(x) __builtin_elementwise_sqrt(x)
#else
#define MT_SQRT(x) __builtin_sqrtf(x)
#endif
// a·b + c written so that clang contracts it (-ffp-contract=on is its default) into an FMA where the
// clone has FMA, and into mul + add where it has not. (__builtin_elementwise_fma would call libm's
// fmaf on the baseline clone: ~100× slower.)
#define MT_FMA(a, b, c) ((a) * (b) + (c))

#endif
