#pragma once
// For the plain-loop kernel files (cpu_kernels.cpp, winograd_kernels.cpp): each exported loop is compiled
// three times and picked by the CPU at load time (GCC function multi-versioning); always-inline bodies
// are written so that GCC vectorises them in every clone.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define TESSERA_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define TESSERA_CLONES
#endif
#define TESSERA_INLINE inline __attribute__((always_inline))
