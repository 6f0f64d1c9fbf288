// Floating-point FFT over R[x]/(x^n + 1) and the polynomial operations of Falcon's
// fast-Fourier signing, in exact IEEE-754 binary64.
//
// Every function reproduces the order of operations of the round-3 reference (complex
// products as (ar*br - ai*bi, ar*bi + ai*br), division through a reciprocal, ...):
// signatures and keys depend on each rounding, so reassociating anything here breaks the
// known-answer tests. A polynomial of n = 2^logn coefficients in FFT form holds the real
// parts of its n/2 evaluations in [0, n/2) and the imaginary parts in [n/2, n).
#pragma once

#include <cstddef>

namespace stoq::falcon::detail {

// Roots for the FFT (see fft_roots.inc): kFftRoots[k] = {re, im}.
extern const double kFftRoots[1024][2];

void fft(double* f, unsigned logn);
void ifft(double* f, unsigned logn);

void poly_add(double* a, const double* b, unsigned logn);
void poly_sub(double* a, const double* b, unsigned logn);
void poly_neg(double* a, unsigned logn);
void poly_adj_fft(double* a, unsigned logn);
void poly_mul_fft(double* a, const double* b, unsigned logn);
void poly_muladj_fft(double* a, const double* b, unsigned logn);
void poly_mulselfadj_fft(double* a, unsigned logn);
void poly_mulconst(double* a, double x, unsigned logn);
// d <- 1 / (|a|^2 + |b|^2), n/2 real values.
void poly_invnorm2_fft(double* d, const double* a, const double* b, unsigned logn);
// d <- F adj(f) + G adj(g).
void poly_add_muladj_fft(double* d, const double* F, const double* G, const double* f,
                         const double* g, unsigned logn);
// a <- a * b (resp. a / b) where b is self-adjoint (only its n/2 real parts are read).
void poly_mul_autoadj_fft(double* a, const double* b, unsigned logn);
void poly_div_autoadj_fft(double* a, const double* b, unsigned logn);
// LDL decomposition of the self-adjoint 2x2 matrix [[g00, g01], [adj(g01), g11]]:
// g11 <- d11, g01 <- l10.
void poly_ldl_fft(const double* g00, double* g01, double* g11, unsigned logn);
// Splits f (FFT form, n values) into f0, f1 (n/2 values each), f = f0(x^2) + x f1(x^2).
void poly_split_fft(double* f0, double* f1, const double* f, unsigned logn);
void poly_merge_fft(double* f, const double* f0, const double* f1, unsigned logn);

}  // namespace stoq::falcon::detail
