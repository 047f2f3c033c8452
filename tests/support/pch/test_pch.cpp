// The object whose build makes the test programs' shared precompiled header (tests/CMakeLists.txt).
