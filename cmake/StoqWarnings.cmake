# Project-wide compiler settings; applied to every STOQ target through stoq_options.
add_library(stoq_options INTERFACE)
target_compile_features(stoq_options INTERFACE cxx_std_20)
target_compile_options(stoq_options INTERFACE -Wall -Wextra -Werror -Wno-missing-field-initializers
  # GCC 12 at -O3 reports impossible overlaps in std::string concatenation (GCC bug 105651).
  $<$<AND:$<CXX_COMPILER_ID:GNU>,$<VERSION_LESS:$<CXX_COMPILER_VERSION>,13>>:-Wno-restrict>)

# Falcon needs exact IEEE-754 binary64 arithmetic: no fused multiply-add contraction, no
# fast-math, SSE2 (not x87) on x86. See docs/falcon.md.
add_library(stoq_exact_fp INTERFACE)
target_compile_options(stoq_exact_fp INTERFACE -ffp-contract=off -fno-fast-math
  $<$<STREQUAL:${CMAKE_SYSTEM_PROCESSOR},x86_64>:-msse2 -mfpmath=sse>)

option(STOQ_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
if(STOQ_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()

# ThreadSanitizer (the tsan preset): scripts/test builds the threaded endpoint tests with it
# and runs the tests labelled "tsan" (tests/CMakeLists.txt). Not combinable with the above.
option(STOQ_TSAN "Build with ThreadSanitizer" OFF)
if(STOQ_TSAN)
  if(STOQ_SANITIZE)
    message(FATAL_ERROR "STOQ_TSAN and STOQ_SANITIZE (ASan) cannot be combined")
  endif()
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
endif()
