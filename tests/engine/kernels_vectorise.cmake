# Compiles core/engine/compute/cpu_kernels.cpp as the build does and fails if GCC leaves any of its loops
# scalar for control flow in any CPU level's clone: on AVX2 machines the exp clamp's float selects kept
# softmax, SiLU and GEGLU scalar until the kernels were built with -fno-trapping-math.
#   cmake -DCXX=<compiler> -DSOURCE=<cpu_kernels.cpp> -DROOT=<source dir> "-DFLAGS=<flags;...>" -DOUT=<object> -P kernels_vectorise.cmake
execute_process(COMMAND ${CXX} -std=c++20 ${FLAGS} -fPIC -I${ROOT} -c ${SOURCE} -o ${OUT} -fopt-info-vec-missed
                RESULT_VARIABLE rc ERROR_VARIABLE report OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "compiling ${SOURCE} failed:\n${report}")
endif()
string(REGEX MATCHALL "cpu_kernels.cpp:[0-9]+:[0-9]+: missed: not vectorized: control flow in loop" scalar "${report}")
if(scalar)
  list(REMOVE_DUPLICATES scalar)
  string(REPLACE ";" "\n  " lines "${scalar}")
  message(FATAL_ERROR "loops GCC left scalar in some CPU level's clone:\n  ${lines}")
endif()
message(STATUS "every element-wise loop vectorised")
