# Helpers shared by every module's CMakeLists.txt.

set(SSCARD_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
    -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
    -Wimplicit-fallthrough)

# sscard_module(NAME <target> [NO_EXCEPTIONS] SOURCES ... DEPS ...)
# One static library per module; public headers live in <module>/include.
function(sscard_module)
  cmake_parse_arguments(M "NO_EXCEPTIONS" "NAME" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${M_NAME} STATIC ${M_SOURCES})
  target_include_directories(${M_NAME} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  target_link_libraries(${M_NAME} PUBLIC ${M_DEPS} PRIVATE ${M_PRIVATE_DEPS})
  sscard_compile_options(${M_NAME})
  if(M_NO_EXCEPTIONS)
    # Firmware and HAL report errors as values; exceptions are compiled out.
    target_compile_options(${M_NAME} PRIVATE -fno-exceptions)
  endif()
endfunction()

function(sscard_compile_options target)
  target_compile_options(${target} PRIVATE ${SSCARD_WARNINGS})
  if(SSCARD_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
