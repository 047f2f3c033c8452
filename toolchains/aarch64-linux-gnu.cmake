# Cross-build for aarch64-linux-gnu kiosk boards; tests run under qemu-aarch64 (see linux-cross.cmake).
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(SSCARD_TRIPLET aarch64-linux-gnu)
set(SSCARD_QEMU qemu-aarch64)
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake)
