/* The fusion-metric kernels, compiled by nvcc for the GPU. A translation unit of their own: they
 * compute in doubles on purpose (local variances E[x^2] - E[x]^2 of 8-bit images cancel to the
 * reference evaluators' 1e-6 only in double), so the gate that forbids double arithmetic in the
 * other kernels is lifted here, and only here. */
#define CUEMU_BACKEND_NS gpu
#include "fusion_metrics.cuh"
