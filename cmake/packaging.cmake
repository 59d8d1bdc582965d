# Installation of what is not a target (the man pages, the scorecard's JSON
# Schema) and the Debian package. Included once from the top-level
# CMakeLists.txt after the checker and the reference, so that it sees their
# targets:
#   include(cmake/packaging.cmake)
# Then:
#   cmake --install build --prefix /usr/local     # or
#   (cd build && cpack -G DEB)                     # daemoncheck_VERSION_ARCH.deb
include(GNUInstallDirs)

set(DC_SOURCE_ROOT ${CMAKE_CURRENT_LIST_DIR}/..)

# Man pages, compressed as Debian policy asks (gzip -9n: no name or time
# stamp, so the package is reproducible). Without gzip they go in as they are.
find_program(DC_GZIP gzip)
set(DC_MAN_PAGES ${DC_SOURCE_ROOT}/checker/man/daemoncheck.1)
if(TARGET daemonctl)
  list(APPEND DC_MAN_PAGES ${DC_SOURCE_ROOT}/checker/man/daemonctl.1)
endif()
set(DC_MAN_OUTPUTS)
foreach(page IN LISTS DC_MAN_PAGES)
  get_filename_component(name ${page} NAME)
  if(DC_GZIP)
    set(out ${CMAKE_BINARY_DIR}/man/${name}.gz)
    add_custom_command(
      OUTPUT ${out}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
      COMMAND ${CMAKE_COMMAND} -E copy ${page} ${CMAKE_BINARY_DIR}/man/${name}
      COMMAND ${DC_GZIP} -9nf ${CMAKE_BINARY_DIR}/man/${name}
      DEPENDS ${page}
      COMMENT "Compressing man page ${name}"
      VERBATIM)
    list(APPEND DC_MAN_OUTPUTS ${out})
  else()
    list(APPEND DC_MAN_OUTPUTS ${page})
  endif()
endforeach()
add_custom_target(man-pages ALL DEPENDS ${DC_MAN_OUTPUTS})
install(FILES ${DC_MAN_OUTPUTS} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

install(FILES ${DC_SOURCE_ROOT}/checker/report/scorecard.schema.json
        DESTINATION ${CMAKE_INSTALL_DATADIR}/daemoncheck)

# The Debian package: both tools, their man pages and the schema, in /usr.
set(CPACK_PACKAGE_NAME daemoncheck)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "daemoncheck")
set(CPACK_PACKAGE_CONTACT "daemoncheck maintainers <maintainers@daemoncheck.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "UNIX daemon conformance checker and reference daemonizer")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
    "daemoncheck launches a program the way a messy interactive shell would, catches the daemon "
    "it becomes, inspects it in /proc, probes it and scores each step of daemonizing, writing "
    "JSON, JUnit, SARIF, HTML and Markdown reports. daemonctl starts, stops and queries a daemon "
    "by its pidfile and that file's lock, doing every step daemon(7) asks for.")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "man-db")
# Depends: from the binaries' shared libraries, when dpkg-shlibdeps is there.
find_program(DC_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(DC_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
else()
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "libc6 (>= 2.34), libstdc++6 (>= 12), libgcc-s1")
endif()
include(CPack)
