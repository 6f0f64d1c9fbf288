# Locates OpenSSL >= 3.5 and ngtcp2 >= 1.12 (crypto_ossl). scripts/bootstrap writes the
# project-local prefixes it built to .deps/prefix-path; they are searched first.
if(DEFINED ENV{STOQ_DEPS_DIR})
  set(_stoq_deps_dir "$ENV{STOQ_DEPS_DIR}")
else()
  set(_stoq_deps_dir "${PROJECT_SOURCE_DIR}/.deps")
endif()
set(STOQ_DEPS_PREFIX_FILE "${_stoq_deps_dir}/prefix-path" CACHE FILEPATH
    "File holding the ;-separated prefixes built by scripts/bootstrap")
if(EXISTS "${STOQ_DEPS_PREFIX_FILE}")
  file(READ "${STOQ_DEPS_PREFIX_FILE}" _stoq_prefixes)
  string(STRIP "${_stoq_prefixes}" _stoq_prefixes)
  list(PREPEND CMAKE_PREFIX_PATH ${_stoq_prefixes})
  foreach(_p IN LISTS _stoq_prefixes)
    if(_p MATCHES "/openssl-[^/]*$")
      set(OPENSSL_ROOT_DIR "${_p}")
    endif()
  endforeach()
endif()

find_package(OpenSSL 3.5 REQUIRED)
get_filename_component(STOQ_OPENSSL_LIBDIR "${OPENSSL_CRYPTO_LIBRARY}" DIRECTORY)
get_filename_component(STOQ_OPENSSL_PREFIX "${STOQ_OPENSSL_LIBDIR}" DIRECTORY)
find_program(STOQ_OPENSSL_PROGRAM openssl HINTS "${STOQ_OPENSSL_PREFIX}/bin" NO_DEFAULT_PATH)
if(NOT STOQ_OPENSSL_PROGRAM)
  find_program(STOQ_OPENSSL_PROGRAM openssl)
endif()

find_package(PkgConfig REQUIRED)
set(ENV{PKG_CONFIG_PATH} "")
foreach(_p IN LISTS CMAKE_PREFIX_PATH)
  set(ENV{PKG_CONFIG_PATH} "$ENV{PKG_CONFIG_PATH}:${_p}/lib/pkgconfig")
endforeach()
pkg_check_modules(NGTCP2 REQUIRED IMPORTED_TARGET libngtcp2>=1.12)
pkg_check_modules(NGTCP2_OSSL REQUIRED IMPORTED_TARGET libngtcp2_crypto_ossl>=1.12)

# Every binary finds the prefix's libraries at run time, never Debian's OpenSSL 3.0.
set(CMAKE_BUILD_RPATH "${STOQ_OPENSSL_LIBDIR};${NGTCP2_LIBRARY_DIRS}")
set(CMAKE_INSTALL_RPATH "${STOQ_OPENSSL_LIBDIR};${NGTCP2_LIBRARY_DIRS};${CMAKE_INSTALL_PREFIX}/lib")

find_package(fmt REQUIRED)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(Threads REQUIRED)
