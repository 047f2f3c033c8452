# Cross-build for arm-linux-gnueabihf kiosk boards; tests run under qemu-arm (see linux-cross.cmake).
set(CMAKE_SYSTEM_PROCESSOR arm)
set(SSCARD_TRIPLET arm-linux-gnueabihf)
set(SSCARD_QEMU qemu-arm)
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake)
