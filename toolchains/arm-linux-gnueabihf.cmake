# Cross-build for arm-linux-gnueabihf kiosk boards; tests run under qemu-arm (see linux-cross.cmake).
set(CMAKE_SYSTEM_PROCESSOR arm)
set(SSCARD_TRIPLET arm-linux-gnueabihf)
set(SSCARD_QEMU qemu-arm)
# GCC's note that the ABI of passing some aggregates changed in GCC 7.1 concerns mixing objects built by
# GCC < 7.1; everything here is built by one compiler.
set(CMAKE_CXX_FLAGS_INIT "-Wno-psabi")
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake)
