# Shared part of the cross toolchain files: set SSCARD_TRIPLET and SSCARD_QEMU, then include this file.
#
# Target libraries come from build/sysroot/<triplet> when tools/target-sysroot.sh has unpacked them there
# (used when Debian multiarch -dev packages cannot be installed beside the host's), else from Debian
# multiarch packages (e.g. libssl-dev:arm64). Binaries run under qemu-user, so ctest works on an x86-64 host.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_C_COMPILER ${SSCARD_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${SSCARD_TRIPLET}-g++)
set(CMAKE_LIBRARY_ARCHITECTURE ${SSCARD_TRIPLET})

set(CMAKE_FIND_ROOT_PATH /usr/${SSCARD_TRIPLET})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)

get_filename_component(sscard_target_sysroot "${CMAKE_CURRENT_LIST_DIR}/../build/sysroot/${SSCARD_TRIPLET}" ABSOLUTE)
set(sscard_target_libdir "${sscard_target_sysroot}/usr/lib/${SSCARD_TRIPLET}")
if(EXISTS "${sscard_target_libdir}")
  list(PREPEND CMAKE_FIND_ROOT_PATH "${sscard_target_sysroot}")
  # pkg-config: the unpacked .pc files say prefix=/usr; the sysroot variable puts them under the folder.
  set(ENV{PKG_CONFIG_SYSROOT_DIR} "${sscard_target_sysroot}")
  set(ENV{PKG_CONFIG_LIBDIR} "${sscard_target_libdir}/pkgconfig:${sscard_target_sysroot}/usr/share/pkgconfig")
  # Debian keeps architecture-specific headers (openssl/opensslconf.h) under include/<triplet>.
  string(APPEND CMAKE_C_FLAGS_INIT " -isystem ${sscard_target_sysroot}/usr/include/${SSCARD_TRIPLET}")
  string(APPEND CMAKE_CXX_FLAGS_INIT " -isystem ${sscard_target_sysroot}/usr/include/${SSCARD_TRIPLET}")
  set(CMAKE_EXE_LINKER_FLAGS_INIT "-Wl,-rpath-link,${sscard_target_libdir}")
  set(CMAKE_SHARED_LINKER_FLAGS_INIT "-Wl,-rpath-link,${sscard_target_libdir}")
  # No binfmt_misc here: target programs (tests, test discovery) run through qemu-user explicitly, find the
  # unpacked shared libraries through LD_LIBRARY_PATH and glibc's GBK converter through GCONV_PATH.
  set(CMAKE_CROSSCOMPILING_EMULATOR ${SSCARD_QEMU};-L;/usr/${SSCARD_TRIPLET};-E;LD_LIBRARY_PATH=${sscard_target_libdir}
      ;-E;GCONV_PATH=${sscard_target_libdir}/gconv)
else()
  # pkg-config must see the target's .pc files, not the host's.
  set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/${SSCARD_TRIPLET}/pkgconfig:/usr/share/pkgconfig)
  # The multiarch libc6 package brings its own dynamic loader to /lib: use it (qemu-user -L /). The cross
  # compiler's loader in /usr/<triplet> is an older build of glibc 2.36 than the multiarch libc.so.6 it would
  # load, and that pair hangs in the first pthread_create.
  set(CMAKE_CROSSCOMPILING_EMULATOR ${SSCARD_QEMU};-L;/)
endif()
