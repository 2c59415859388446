# Every dependency comes from Debian 12 packages (see README).
find_package(Qt6 6.4 REQUIRED COMPONENTS Core)
if(TESSERA_BUILD_APP)
  find_package(Qt6 6.4 COMPONENTS Gui Quick QuickControls2 Qml QuickTest)
  if(NOT Qt6Quick_FOUND)
    message(WARNING "Qt Quick not found: building without the desktop editor")
    set(TESSERA_BUILD_APP OFF)
  endif()
endif()
# `tessera serve` (optional): qt6-httpserver-dev, qt6-websockets-dev.
find_package(Qt6 6.4 COMPONENTS Network HttpServer WebSockets)
if(Qt6HttpServer_FOUND AND Qt6WebSockets_FOUND)
  set(TESSERA_HAVE_SERVER_DEPS ON)
endif()
set(THREADS_PREFER_PTHREAD_FLAG ON)
find_package(Threads REQUIRED)
find_package(Torch REQUIRED)
find_package(OpenCV REQUIRED COMPONENTS core imgproc imgcodecs dnn)
find_package(QuaZip-Qt6 REQUIRED)
find_package(ZLIB REQUIRED)
if(TESSERA_BUILD_TESTS)
  find_package(GTest REQUIRED)
  include(GoogleTest)
endif()

# Torch's exported flags include -D_GLIBCXX_USE_CXX11_ABI; apply them only to targets that use torch.
separate_arguments(TESSERA_TORCH_CXX_FLAGS UNIX_COMMAND "${TORCH_CXX_FLAGS}")

include(${CMAKE_CURRENT_LIST_DIR}/TesseraAllocator.cmake)

# -Wno-missing-field-initializers: aggregates whose members all have defaults are brace-initialised
# with the leading ones only. -Wno-subobject-linkage: in a unity batch every source is included
# from the batch file, so GCC takes a test fixture in an anonymous namespace for one in a header.
set(TESSERA_WARNINGS -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Wno-subobject-linkage)

# tessera_add_library(name SOURCES ... DEPS ...): shared, so that the CLI, the editor and node
# plugins (loaded at run time) share one copy of the graph model, engine and node values.
function(tessera_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} SHARED ${ARG_SOURCES})
  set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/lib INSTALL_RPATH "$ORIGIN")
  install(TARGETS ${name} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/tessera)
  target_include_directories(${name} PUBLIC ${CMAKE_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
  target_compile_options(${name} PRIVATE ${TESSERA_WARNINGS})
  set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
endfunction()
