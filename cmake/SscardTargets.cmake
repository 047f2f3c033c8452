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
    # Checked at the end of the configure step: such a module must not see nlohmann::json (sscard_json).
    set_property(GLOBAL APPEND PROPERTY SSCARD_NO_EXCEPTIONS_MODULES ${M_NAME})
  endif()
endfunction()

function(sscard_compile_options target)
  target_compile_options(${target} PRIVATE ${SSCARD_WARNINGS})
  if(SSCARD_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# sscard_listed_folder(<folder> <what lists it>): the folders a CMakeLists.txt adds from a fixed list must exist.
# A missing one is a configure error naming it (a renamed or deleted folder must not drop its targets and
# tests without a word).
function(sscard_listed_folder folder listed_in)
  if(NOT EXISTS ${folder}/CMakeLists.txt)
    file(RELATIVE_PATH shown ${PROJECT_SOURCE_DIR} ${folder})
    message(FATAL_ERROR "${shown}/CMakeLists.txt does not exist, but ${listed_in} lists the folder '${shown}': "
                        "create it or remove it from that list")
  endif()
endfunction()

# ---------------------------------------------------------------------------------------------------------
# nlohmann::json: one exception policy for the whole project.
#
# nlohmann's templates compile differently with and without exceptions (JSON_THROW_USER and friends call
# abort() when exceptions are off), and the same inline functions compiled both ways in one program are an
# ODR violation: the linker keeps one copy at random, so a parse error may abort in code that expected to
# catch it (it did, in the sanitizer build). The project's policy: nlohmann::json is used only in code built
# WITH exceptions (the front end firmware/app, the simulator's profile loader and hosts, tests), every such
# target links sscard_json (never nlohmann_json::nlohmann_json itself), and no module declared NO_EXCEPTIONS
# (the firmware below the front end, the HAL) may link it, directly or through a dependency's usage
# requirements, or include a nlohmann header. All of this is checked at the end of the configure step
# (sscard_check_json_policy below), which fails with a message naming the target and what to do.
function(sscard_json_library)
  if(TARGET sscard_json)
    return()
  endif()
  add_library(sscard_json INTERFACE)
  target_link_libraries(sscard_json INTERFACE nlohmann_json::nlohmann_json)
  # Exceptions on, and nlohmann's options that change its templates pinned to one value for every user.
  target_compile_options(sscard_json INTERFACE $<$<COMPILE_LANGUAGE:CXX>:-fexceptions>)
  target_compile_definitions(sscard_json INTERFACE JSON_DIAGNOSTICS=0 JSON_USE_IMPLICIT_CONVERSIONS=1)
endfunction()

# Every target of the build (all directories).
function(_sscard_all_targets dir out)
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(sub ${subdirs})
    _sscard_all_targets(${sub} more)
    list(APPEND targets ${more})
  endforeach()
  set(${out} ${targets} PARENT_SCOPE)
endfunction()

# The target named by one item of a LINK_LIBRARIES / INTERFACE_LINK_LIBRARIES list, or "" (a plain library
# file, a flag, or a link-only dependency whose compile requirements do not propagate).
function(_sscard_link_item_target item out)
  set(name "")
  if(item MATCHES "^\\$<LINK_ONLY:")
    # only linked: its headers, definitions and options do not reach the dependent's sources
  elseif(item MATCHES "^\\$<LINK_LIBRARY:[^,>]+,(.+)>$" OR item MATCHES "^\\$<BUILD_INTERFACE:(.+)>$")
    set(name ${CMAKE_MATCH_1})
  elseif(NOT item MATCHES "^\\$<" AND TARGET ${item})
    set(name ${item})
  endif()
  if(name AND TARGET ${name})
    get_target_property(aliased ${name} ALIASED_TARGET)
    if(aliased)
      set(name ${aliased})
    endif()
    set(${out} ${name} PARENT_SCOPE)
  else()
    set(${out} "" PARENT_SCOPE)
  endif()
endfunction()

# The targets whose compile usage requirements reach `target`'s own sources: its direct dependencies (public
# and private) and, from there on, their interface dependencies. `out` holds "dep<via>path" chains.
function(_sscard_compile_deps target out)
  get_target_property(direct ${target} LINK_LIBRARIES)
  set(queue "")
  set(seen "")
  set(chains "")
  if(direct)
    foreach(item ${direct})
      _sscard_link_item_target("${item}" dep)
      if(dep AND NOT dep IN_LIST seen)
        list(APPEND seen ${dep})
        list(APPEND queue ${dep})
        set(chain_${dep} "${target} -> ${dep}")
      endif()
    endforeach()
  endif()
  while(queue)
    list(POP_FRONT queue current)
    get_target_property(iface ${current} INTERFACE_LINK_LIBRARIES)
    if(NOT iface)
      continue()
    endif()
    foreach(item ${iface})
      _sscard_link_item_target("${item}" dep)
      if(dep AND NOT dep IN_LIST seen)
        list(APPEND seen ${dep})
        list(APPEND queue ${dep})
        set(chain_${dep} "${chain_${current}} -> ${dep}")
      endif()
    endforeach()
  endwhile()
  set(${out} ${seen} PARENT_SCOPE)
  foreach(dep ${seen})
    set(${out}_chain_${dep} "${chain_${dep}}" PARENT_SCOPE)
  endforeach()
endfunction()

# The sources of `target`, and the headers of its include/ folder, that include a nlohmann header.
function(_sscard_nlohmann_includes target out)
  get_target_property(dir ${target} SOURCE_DIR)
  get_target_property(sources ${target} SOURCES)
  set(files "")
  foreach(source ${sources})
    if(NOT source MATCHES "^\\$<")
      cmake_path(ABSOLUTE_PATH source BASE_DIRECTORY ${dir} OUTPUT_VARIABLE source)
      list(APPEND files ${source})
    endif()
  endforeach()
  file(GLOB_RECURSE headers ${dir}/include/*.h ${dir}/include/*.hpp)
  set(found "")
  foreach(file ${files} ${headers})
    if(EXISTS ${file})
      file(STRINGS ${file} lines REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"]nlohmann/")
      if(lines)
        file(RELATIVE_PATH shown ${PROJECT_SOURCE_DIR} ${file})
        list(APPEND found ${shown})
      endif()
    endif()
  endforeach()
  set(${out} ${found} PARENT_SCOPE)
endfunction()

function(sscard_check_json_policy)
  if(NOT TARGET sscard_json)
    return()
  endif()
  get_target_property(nlohmann nlohmann_json::nlohmann_json ALIASED_TARGET)
  if(NOT nlohmann)
    set(nlohmann nlohmann_json::nlohmann_json)
  endif()
  get_property(no_exceptions GLOBAL PROPERTY SSCARD_NO_EXCEPTIONS_MODULES)
  _sscard_all_targets(${PROJECT_SOURCE_DIR} targets)
  foreach(target ${targets})
    if(target STREQUAL "sscard_json")
      continue()
    endif()
    # Rule 1: nlohmann::json only through sscard_json.
    foreach(property LINK_LIBRARIES INTERFACE_LINK_LIBRARIES)
      get_target_property(items ${target} ${property})
      if(NOT items)
        continue()
      endif()
      foreach(item ${items})
        _sscard_link_item_target("${item}" dep)
        if(dep STREQUAL nlohmann OR item MATCHES "nlohmann_json::nlohmann_json")
          get_target_property(dir ${target} SOURCE_DIR)
          file(RELATIVE_PATH dir ${PROJECT_SOURCE_DIR} ${dir})
          message(FATAL_ERROR "${target} (${dir}/CMakeLists.txt) links nlohmann_json::nlohmann_json directly: link "
                              "sscard_json instead, which carries the project's exception policy for nlohmann::json "
                              "(cmake/SscardTargets.cmake)")
        endif()
      endforeach()
    endforeach()
    # Rule 2: no module built without exceptions sees nlohmann::json, and nobody switches nlohmann's exceptions
    # off for one target.
    get_target_property(type ${target} TYPE)
    if(type STREQUAL "INTERFACE_LIBRARY")
      continue()
    endif()
    get_target_property(definitions ${target} COMPILE_DEFINITIONS)
    if(definitions AND definitions MATCHES "(^|;)JSON_NOEXCEPTION")
      message(FATAL_ERROR "${target} defines JSON_NOEXCEPTION: nlohmann::json is used with exceptions in every "
                          "target (cmake/SscardTargets.cmake, sscard_json)")
    endif()
    set(declared "")
    if(target IN_LIST no_exceptions)
      set(declared "is declared NO_EXCEPTIONS (sscard_module)")
    else()
      get_target_property(options ${target} COMPILE_OPTIONS)
      if(options AND "-fno-exceptions" IN_LIST options)
        set(declared "is compiled with -fno-exceptions")
      endif()
    endif()
    if(NOT declared)
      continue()
    endif()
    # nlohmann's headers are on the system include path: a source can include them without linking anything.
    _sscard_nlohmann_includes(${target} includers)
    if(includers)
      message(FATAL_ERROR "${target} ${declared} but includes nlohmann/json.hpp (${includers}): nlohmann::json is used "
                          "with exceptions in every target of this project (cmake/SscardTargets.cmake, sscard_json)")
    endif()
    _sscard_compile_deps(${target} deps)
    if("sscard_json" IN_LIST deps)
      get_target_property(dir ${target} SOURCE_DIR)
      file(RELATIVE_PATH dir ${PROJECT_SOURCE_DIR} ${dir})
      message(FATAL_ERROR "${target} (${dir}/CMakeLists.txt) ${declared} but links sscard_json "
                          "(${deps_chain_sscard_json}): nlohmann::json is used with exceptions in every target of this "
                          "project (one ODR-safe policy, cmake/SscardTargets.cmake). Parse JSON in a module built with "
                          "exceptions, or link sscard_json only as a PRIVATE dependency of such a module.")
    endif()
  endforeach()
  # A global flag would take exceptions away from sscard_json's users behind the target's back.
  string(TOUPPER "${CMAKE_BUILD_TYPE}" build_type)
  foreach(flags CMAKE_CXX_FLAGS CMAKE_CXX_FLAGS_${build_type})
    if("${${flags}}" MATCHES "-fno-exceptions|JSON_NOEXCEPTION")
      message(FATAL_ERROR "${flags} contains -fno-exceptions or JSON_NOEXCEPTION: the exception policy is set per "
                          "target (sscard_module NO_EXCEPTIONS; nlohmann::json through sscard_json)")
    endif()
  endforeach()
endfunction()

# Runs the check once every directory has been configured (the end of the top-level CMakeLists.txt).
if(CMAKE_CURRENT_SOURCE_DIR STREQUAL PROJECT_SOURCE_DIR)
  cmake_language(DEFER DIRECTORY ${PROJECT_SOURCE_DIR} CALL sscard_check_json_policy)
endif()
