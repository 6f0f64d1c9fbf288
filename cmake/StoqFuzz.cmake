# libFuzzer support for STOQ_BUILD_FUZZ (the `fuzz` preset). The targets themselves are
# defined beside the code they fuzz (src/*/CMakeLists.txt, sources in fuzz/).
#
# The fuzz targets and every STOQ library they link are built with AddressSanitizer and
# UndefinedBehaviorSanitizer (STOQ_SANITIZE, set by the preset): without them a memory
# error that does not fault goes unseen. UB aborts (-fno-sanitize-recover=all).
if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "STOQ_BUILD_FUZZ needs clang (libFuzzer); use the `fuzz` preset")
endif()
if(NOT STOQ_SANITIZE)
  message(WARNING "STOQ_BUILD_FUZZ without STOQ_SANITIZE: the fuzz targets find only crashes, "
                  "not memory errors or undefined behaviour")
endif()

set(STOQ_FUZZ_SECONDS 30 CACHE STRING "Seconds per fuzz target in the 'fuzz' ctest label")

# Sanitizer settings of the bounded runs; scripts/test uses the same for the targets it
# runs directly. Leaks are errors; libcrypto's per-process bookkeeping is suppressed
# (tests/lsan.supp).
set(STOQ_FUZZ_ASAN_OPTIONS "detect_leaks=1:halt_on_error=1")
set(STOQ_FUZZ_UBSAN_OPTIONS "print_stacktrace=1:halt_on_error=1")
set(STOQ_FUZZ_LSAN_OPTIONS "suppressions=${PROJECT_SOURCE_DIR}/tests/lsan.supp")
set(STOQ_FUZZ_ENVIRONMENT "ASAN_OPTIONS=${STOQ_FUZZ_ASAN_OPTIONS}"
    "UBSAN_OPTIONS=${STOQ_FUZZ_UBSAN_OPTIONS}" "LSAN_OPTIONS=${STOQ_FUZZ_LSAN_OPTIONS}")

# stoq_add_fuzz_test(<target> CORPUS <dir> [DICT <file>] LABELS <label>...)
# A bounded run of <target> for STOQ_FUZZ_SECONDS under `ctest -L fuzz`. One input running
# longer than 30 s is a failure (libFuzzer's default would wait 20 minutes). New inputs and
# crash artifacts go to the build tree, never into the checked-in seed corpus (libFuzzer
# writes to its first corpus directory).
function(stoq_add_fuzz_test target)
  cmake_parse_arguments(arg "" "CORPUS;DICT" "LABELS" ${ARGN})
  set(work "${CMAKE_CURRENT_BINARY_DIR}/fuzz-work/${target}")
  file(MAKE_DIRECTORY "${work}")
  set(dict)
  if(arg_DICT)
    set(dict "-dict=${arg_DICT}")
  endif()
  add_test(NAME ${target}
           COMMAND ${target} -max_total_time=${STOQ_FUZZ_SECONDS} -timeout=30 -rss_limit_mb=2048
                   ${dict} -artifact_prefix=${work}/ "${work}" "${arg_CORPUS}")
  set_tests_properties(${target} PROPERTIES
    LABELS "fuzz;${arg_LABELS}"
    TIMEOUT 300
    ENVIRONMENT "${STOQ_FUZZ_ENVIRONMENT}")
endfunction()
