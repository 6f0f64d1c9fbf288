# cmake --install: headers, static libraries, a CMake package (find_package(stoq)) and a
# pkg-config file.
include(CMakePackageConfigHelpers)

set(STOQ_INSTALL_TARGETS stoq stoq_quic stoq_proto stoq_tls stoq_io stoq_runtime stoq_core stoq_provider
  stoq_falcon stoq_exact_fp stoq_options)
install(TARGETS ${STOQ_INSTALL_TARGETS} EXPORT stoqTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/stoq DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT stoqTargets NAMESPACE stoq:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/stoq)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/stoqConfig.cmake.in
  ${PROJECT_BINARY_DIR}/stoqConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/stoq)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/stoqConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/stoqConfig.cmake ${PROJECT_BINARY_DIR}/stoqConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/stoq)

configure_file(${PROJECT_SOURCE_DIR}/cmake/stoq.pc.in ${PROJECT_BINARY_DIR}/stoq.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/stoq.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
