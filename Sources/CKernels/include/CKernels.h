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

/// sum of x[i]² in double precision (deterministic order).
double mt_sum_squares(size_t n, const float *restrict x);

// ---- activations, dense-layer epilogues, softmax cross-entropy (activations.c) ----

/// Activation codes (the Swift `Activation` enum maps onto these).
enum {
    MT_ACT_IDENTITY = 0,
    MT_ACT_RELU = 1,
    MT_ACT_TANH = 2,
    MT_ACT_GELU = 3,        // tanh approximation: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
    MT_ACT_SILU = 4,
    MT_ACT_SIGMOID = 5,
    MT_ACT_LEAKY_RELU = 6,  // slope MT_LEAKY_RELU_SLOPE for x < 0
    MT_ACT_SIN = 7,
};
#define MT_LEAKY_RELU_SLOPE 0.01f

/// y[i] = f(x[i]). y may equal x (in place); otherwise the buffers must not overlap.
/// exp-based activations are within a few ulp of libm; sin within ~1e-7 absolute for |x| ≤ 1e6.
void mt_activation_forward(int kind, size_t n, const float *x, float *y);

/// dx[i] = dy[i] · f′(x[i]) with x the pre-activation. dx may equal dy (in place).
/// f′ at 0: relu 0, leaky relu 1.
void mt_activation_backward(int kind, size_t n, const float *x, const float *dy, float *dx);

/// Dense-layer epilogue over a rows × cols row-major block: z[r,c] += bias[c], then a[r,c] = f(z[r,c]).
/// With a == NULL only the bias is added (the kind is ignored).
void mt_bias_activation_forward(int kind, size_t rows, size_t cols, const float *restrict bias,
                                float *restrict z, float *restrict a);

/// Its backward: d[r,c] *= f′(z[r,c]) (d comes in as ∂L/∂a and leaves as ∂L/∂z), and, unless dbias is
/// NULL, dbias[c] = Σ_r d[r,c] (overwritten, summed in row order).
void mt_activation_bias_backward(int kind, size_t rows, size_t cols, const float *restrict z,
                                 float *restrict d, float *restrict dbias);

/// Softmax cross-entropy summed over `rows` rows of `classes` logits (max subtracted; the log of the
/// row sum in double). If dlogits is not NULL it receives scale · (softmax − onehot). If correct is
/// not NULL it receives the number of rows whose (first) argmax equals the label.
/// Labels must lie in 0..<classes.
double mt_softmax_cross_entropy(size_t rows, size_t classes, const float *restrict logits,
                                const int32_t *restrict labels, float *restrict dlogits, float scale,
                                size_t *restrict correct);

// ---- Small CNN (conv.c). Tensors are NHWC, 3×3 windows with padding 1; Ho = (H − 1)/stride + 1.
// A "col" matrix has one row per output pixel (n, oy, ox) and 9·C columns ordered (ky, kx, c),
// so that HWIO weights are its (9·C) × Cout right factor.

/// col ← im2col(x): x is n×h×w×c, col is (n·ho·wo) × (9·c); padding taps are 0.
void mt_im2col3x3(size_t n, size_t h, size_t w, size_t c, size_t stride, size_t ho, size_t wo,
                  const float *restrict x, float *restrict col);

/// x ← col2im(col), the adjoint of mt_im2col3x3: x (n×h×w×c) is overwritten with the sum of the
/// col entries that read each input value.
void mt_col2im3x3(size_t n, size_t h, size_t w, size_t c, size_t stride, size_t ho, size_t wo,
                  const float *restrict col, float *restrict x);

/// Direct 3×3 convolution of a one-channel input: z (n·ho·wo × cout) ← conv(x, weights) + bias,
/// weights 9 × cout (HWIO with I = 1).
void mt_conv3x3_c1_forward(size_t n, size_t h, size_t w, size_t stride, size_t ho, size_t wo, size_t cout,
                           const float *restrict x, const float *restrict weights,
                           const float *restrict bias, float *restrict z);

/// Weight gradient of mt_conv3x3_c1_forward: dweights (9 × cout) ← Σ over output pixels of
/// window(x) ⊗ dz (overwritten).
void mt_conv3x3_c1_filter_gradient(size_t n, size_t h, size_t w, size_t stride, size_t ho, size_t wo,
                                   size_t cout, const float *restrict x, const float *restrict dz,
                                   float *restrict dweights);

/// y[r][i] ← row[i] for r < rows (a bias broadcast before a gemm with beta = 1).
void mt_fill_rows(size_t rows, size_t cols, const float *restrict row, float *restrict y);

/// sums[i] ← Σ_r x[r][i] over a rows × cols matrix (rows in order).
void mt_column_sums(size_t rows, size_t cols, const float *restrict x, float *restrict sums);

/// pooled[b][i] ← mean over the `pixels` rows of image b of x[b][p][i] (x is n × pixels × c).
void mt_mean_pool_forward(size_t n, size_t pixels, size_t c, const float *restrict x, float *restrict pooled);

/// dx[b][p][i] ← dpooled[b][i] / pixels (the adjoint of mt_mean_pool_forward).
void mt_mean_pool_backward(size_t n, size_t pixels, size_t c, const float *restrict dpooled,
                           float *restrict dx);

// ---- Hand-designed optimizers (optimizers.c). On entry u holds the gradient; on exit the update
// scale·direction (scale carries −lr for descent). Moment buffers are updated in place.

/// Adam (optax's scale_by_adam; eps outside the square root), with optional decoupled weight decay:
/// m ← b1·m + (1−b1)·g; v ← b2·v + (1−b2)·g²; u ← scale·((m/c1)/(sqrt(v/c2)+eps) + weight_decay·p),
/// c1 = 1−b1^t, c2 = 1−b2^t. p may be NULL when weight_decay is 0.
void mt_opt_adam(size_t n, float *restrict u, const float *restrict p, float *restrict m,
                 float *restrict v, float b1, float b2, float eps, float c1, float c2,
                 float weight_decay, float scale);

/// The same rule applied in place: p += scale·(m̂/(√v̂+ε) + weight_decay·p), g read-only. One pass
/// over memory instead of `mt_opt_adam` followed by an add.
void mt_opt_adam_apply(size_t n, float *restrict p, const float *restrict g, float *restrict m,
                       float *restrict v, float b1, float b2, float eps, float c1, float c2,
                       float weight_decay, float scale);

/// RMSProp without momentum (optax's scale_by_rms): v ← decay·v + (1−decay)·g²;
/// u ← scale·g/sqrt(v+eps) if eps_in_sqrt, else scale·g/(sqrt(v)+eps).
void mt_opt_rms(size_t n, float *restrict u, float *restrict v, float decay, float eps,
                int eps_in_sqrt, float scale);

/// Adagrad (optax's scale_by_rss): s ← s + g²; u ← scale·g/sqrt(s+eps) where s > 0, else 0.
void mt_opt_rss(size_t n, float *restrict u, float *restrict s, float eps, float scale);

/// Momentum (optax's trace): t ← g + decay·t; u ← scale·t, or scale·(g + decay·t) with nesterov.
void mt_opt_trace(size_t n, float *restrict u, float *restrict t, float decay, int nesterov,
                  float scale);

/// Lion (optax's scale_by_lion + add_decayed_weights): u ← scale·(sign(b1·m + (1−b1)·g) + wd·p);
/// m ← b2·m + (1−b2)·g. p may be NULL (no weight decay).
void mt_opt_lion(size_t n, float *restrict u, const float *restrict p, float *restrict m,
                 float b1, float b2, float weight_decay, float scale);

/// AdaX's moments: m ← b1·m + (1−b1)·g; v ← (1+b2)·v + b2·g²; u ← scale·m/(sqrt(v)+eps)
/// (the caller folds lr·sqrt((1+b2)^t − 1) into scale).
void mt_opt_adax(size_t n, float *restrict u, float *restrict m, float *restrict v, float b1,
                 float b2, float eps, float scale);

/// u ← a·u + b·p
void mt_opt_scale_add(size_t n, float *restrict u, const float *restrict p, float a, float b);

/// u ← a·u
void mt_opt_scale(size_t n, float *u, float a);

/// u ← min(max(u, lo), hi)
void mt_opt_clip(size_t n, float *u, float lo, float hi);

// ---- learned optimizers (learned.c) ----

/// Rows per block of the fused per-parameter MLP kernels (two 16-lane vectors).
#define MT_LO_ROWS 32
/// Largest layer width (inputs or hidden) the fused kernels accept.
#define MT_LO_MAX_WIDTH 128
/// Largest number of accumulator decays.
#define MT_LO_MAX_DECAYS 8

/// y = W3ᵀ relu(W2ᵀ relu(W1ᵀ x + b1) + b2) + b3 for n rows, fused per block of MT_LO_ROWS rows with
/// the activations in registers / L1. `x` is feature-major (x[k*ldx + i], k < nin), `y` likewise
/// (y[j*ldy + i], j < nout); weights are row-major [fan_in][fan_out]. Widths ≤ MT_LO_MAX_WIDTH.
void mt_mlp3_forward(size_t n, int nin, const float *restrict x, size_t ldx, int h1, int h2, int nout,
                     const float *restrict w1, const float *restrict b1, const float *restrict w2,
                     const float *restrict b2, const float *restrict w3, const float *restrict b3,
                     float *restrict y, size_t ldy);

/// Number of doubles `mt_lo_accumulate` writes for `decays` decays: the sums of squares of the
/// 3 + 4·decays per-parameter features, then Σm (all decays), Σv (all decays), Σp.
#define MT_LO_NSTATS(decays) (3 + 4 * (decays) + 3)

/// First pass of the learned optimizers over n parameters: zeroes NaN gradient elements, clips g to
/// ±clip (in place), updates m_d ← c_d·m_d + (1−c_d)·g and v_d ← c_d·v_d + (1−c_d)·g² (m, v hold
/// decay d's accumulator at m[d*ld + i]) and writes the sums of `MT_LO_NSTATS(decays)` into `stats`.
void mt_lo_accumulate(size_t n, float *restrict g, const float *restrict p, float *restrict m,
                      float *restrict v, size_t ld, int decays, const float *restrict decay_values,
                      float clip, double *restrict stats);

/// Second pass: builds the 3 + 4·decays per-parameter features (g, p, log(|p|+1e-8), m_d, v_d,
/// m_d/√(v_d+1e-6), 1/√(v_d+1e-6)), multiplies them by `inv_norm` and clips to ±feature_clip, runs the
/// MLP (w1: the per-parameter rows of the first layer; b1: the bias with the per-tensor inputs
/// folded in), writes the step u[i] = −d·exp(step_exp·a)·step_scale (outputs 0 and 1) and adds the
/// sums over rows of outputs 2..<nout to extra_sums.
void mt_lo_mlp_step(size_t n, const float *restrict g, const float *restrict p, const float *restrict m,
                    const float *restrict v, size_t ld, int decays, const float *restrict inv_norm,
                    float feature_clip, int h1, int h2, int nout, const float *restrict w1,
                    const float *restrict b1, const float *restrict w2, const float *restrict b2,
                    const float *restrict w3, const float *restrict b3, float step_exp, float step_scale,
                    float *restrict u, double *restrict extra_sums);

/// y = b + Wᵀ x for a row-major W [nin][nout] (a small dense layer; nout ≤ any).
void mt_dense(int nin, int nout, const float *restrict x, const float *restrict w, const float *restrict b,
              float *restrict y);

/// One LSTM step (gates i, f, g, o along the 4h axis): z = b + W_inᵀ x + W_hᵀ h (row-major
/// [nin][4h] and [h][4h]); c ← σ(z_f)·c + σ(z_i)·tanh(z_g) (a non-finite c becomes 0);
/// h ← σ(z_o)·tanh(c). `z` is scratch of 4h floats.
void mt_lstm_step(int nin, int h, const float *restrict x, float *restrict hidden, float *restrict cell,
                  const float *restrict w_in, const float *restrict w_h, const float *restrict bias,
                  float *restrict z);

// ---- random numbers (random.c) ----

/// n standard normal draws times `std` by the ziggurat method (Marsaglia & Tsang 2000, 128 layers) on
/// xoshiro256** whose state `s` (4 words) is advanced in place. Deterministic for a given state.
void mt_ziggurat_normals(size_t n, float *restrict out, float std, uint64_t *restrict s);

#ifdef __cplusplus
}
#endif
#endif
