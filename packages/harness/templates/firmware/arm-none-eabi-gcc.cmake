# arm-none-eabi-gcc.cmake - CMake toolchain file for bare-metal Arm with the GNU Arm toolchain.
# Used when the edgeq firmware directory is built on its own; a parent project brings its own.
# CPU flags (-mcpu, -mfloat-abi, ...) are not set here: the harness adds its core's, a parent
# project sets its own.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_CXX_COMPILER arm-none-eabi-g++)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
