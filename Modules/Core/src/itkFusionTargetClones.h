/*
 * FUSION_TARGET_CLONES: a hot CPU loop compiled twice, for the x86-64 baseline and for AVX2, the
 * copy chosen once at load time by the CPU (GCC's function multi-versioning). AVX2 only, not FMA:
 * the arithmetic is the same operation by operation, so results do not depend on the machine.
 * Off under the sanitizers and on other compilers and CPUs.
 */
#ifndef itkFusionTargetClones_h
#define itkFusionTargetClones_h

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__) &&               \
  !defined(__SANITIZE_THREAD__)
#  define FUSION_TARGET_CLONES __attribute__((target_clones("avx2", "default")))
#else
#  define FUSION_TARGET_CLONES
#endif

#endif
