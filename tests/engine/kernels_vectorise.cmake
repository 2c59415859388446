# Compiles the engine's plain-loop kernels (core/engine/compute/cpu_kernels.cpp, winograd_kernels.cpp) as
# the build does and fails if GCC leaves any of their loops scalar in any CPU level's clone: for control
# flow (on AVX2 machines the exp clamp's float selects kept softmax, SiLU and GEGLU scalar until the
# kernels were built with -fno-trapping-math) or for a statement it found no vector type for (what it
# reports when proving that a loop's buffers do not overlap takes more run-time checks than it allows).
#   cmake -DCXX=<compiler> "-DSOURCES=<file;...>" -DROOT=<source dir> "-DFLAGS=<flags;...>" -DOUT=<object> -P kernels_vectorise.cmake
set(scalar "")
foreach(source ${SOURCES})
  execute_process(COMMAND ${CXX} -std=c++20 ${FLAGS} -fPIC -I${ROOT} -c ${source} -o ${OUT} -fopt-info-vec-missed
                  RESULT_VARIABLE rc ERROR_VARIABLE report OUTPUT_QUIET)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "compiling ${source} failed:\n${report}")
  endif()
  get_filename_component(name ${source} NAME)
  string(REGEX MATCHALL "${name}:[0-9]+:[0-9]+: missed: not vectorized: (control flow in loop|no vectype for stmt)" found "${report}")
  list(APPEND scalar ${found})
endforeach()
if(scalar)
  list(REMOVE_DUPLICATES scalar)
  string(REPLACE ";" "\n  " lines "${scalar}")
  message(FATAL_ERROR "loops GCC left scalar in some CPU level's clone:\n  ${lines}")
endif()
message(STATUS "every kernel loop vectorised")
