# The memory allocator linked into every Tessera program (see README, "Memory allocator").
# glibc's malloc hands each large tensor back to the kernel (mmap/munmap above its threshold), so
# every UNet step faults its activations in afresh: half the run time went to the kernel. tcmalloc
# keeps freed spans for reuse. The allocator must be a direct dependency of the executable, ahead of
# libc, to replace malloc for libtorch as well; --no-as-needed keeps it although nothing calls it by name.
set(TESSERA_ALLOCATOR "tcmalloc" CACHE STRING "Allocator for Tessera's programs: tcmalloc, mimalloc or system")
set_property(CACHE TESSERA_ALLOCATOR PROPERTY STRINGS tcmalloc mimalloc system)

set(TESSERA_ALLOCATOR_LIBRARY "")
if(TESSERA_ALLOCATOR STREQUAL "tcmalloc")
  find_library(TESSERA_TCMALLOC_LIBRARY NAMES tcmalloc_minimal libtcmalloc_minimal.so.4)
  set(TESSERA_ALLOCATOR_LIBRARY ${TESSERA_TCMALLOC_LIBRARY})
elseif(TESSERA_ALLOCATOR STREQUAL "mimalloc")
  find_library(TESSERA_MIMALLOC_LIBRARY NAMES mimalloc)
  set(TESSERA_ALLOCATOR_LIBRARY ${TESSERA_MIMALLOC_LIBRARY})
elseif(NOT TESSERA_ALLOCATOR STREQUAL "system")
  message(FATAL_ERROR "TESSERA_ALLOCATOR must be tcmalloc, mimalloc or system, not '${TESSERA_ALLOCATOR}'")
endif()
if(NOT TESSERA_ALLOCATOR STREQUAL "system" AND NOT TESSERA_ALLOCATOR_LIBRARY)
  set(TESSERA_ALLOCATOR_LIBRARY "")
  message(WARNING "${TESSERA_ALLOCATOR} not found (Debian: libgoogle-perftools-dev / libmimalloc-dev): "
                  "using glibc malloc, which makes the engine several times slower")
endif()
message(STATUS "Tessera allocator: ${TESSERA_ALLOCATOR} ${TESSERA_ALLOCATOR_LIBRARY}")

# tessera_use_allocator(target...): links the chosen allocator into executables.
function(tessera_use_allocator)
  if(TESSERA_ALLOCATOR_LIBRARY)
    foreach(t ${ARGN})
      target_link_libraries(${t} PRIVATE -Wl,--push-state,--no-as-needed ${TESSERA_ALLOCATOR_LIBRARY} -Wl,--pop-state)
    endforeach()
  endif()
endfunction()
