# find_package(FlagHAL [VERSION] [REQUIRED] [COMPONENTS ops])
#
# Imported targets:
#   FlagHAL::flaghal  the loader libflaghal.so.1 and the headers of include/flaghal
#                     (the application API, the plugin ABI, the kernel language)
#   FlagHAL::ops      the operator library libflaghal_ops.so.0 (flaghal/flaghal_ops.h);
#                     links FlagHAL::flaghal. Defined when the install has it
#                     (component "ops", FlagHAL_ops_FOUND).
# Variables: FlagHAL_FOUND, FlagHAL_VERSION, FlagHAL_PREFIX, FlagHAL_INCLUDE_DIR,
#   FlagHAL_PLUGIN_DIR (the reference plugins), FlagHAL_KERNEL_TOOL (flaghal-kernel).
#
# Relocatable: every path is computed from this file's location
# (PREFIX/lib/cmake/FlagHAL), so a moved install keeps working.
cmake_minimum_required(VERSION 3.16)

get_filename_component(FlagHAL_PREFIX "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
set(FlagHAL_INCLUDE_DIR "${FlagHAL_PREFIX}/include")
set(FlagHAL_PLUGIN_DIR "${FlagHAL_PREFIX}/lib/flaghal/plugins")
set(FlagHAL_KERNEL_TOOL "${FlagHAL_PREFIX}/bin/flaghal-kernel")

if(NOT TARGET FlagHAL::flaghal)
    add_library(FlagHAL::flaghal SHARED IMPORTED)
    set_target_properties(FlagHAL::flaghal PROPERTIES
        IMPORTED_LOCATION "${FlagHAL_PREFIX}/lib/libflaghal.so.1"
        IMPORTED_SONAME "libflaghal.so.1"
        INTERFACE_INCLUDE_DIRECTORIES "${FlagHAL_INCLUDE_DIR}")
endif()

set(FlagHAL_ops_FOUND FALSE)
if(EXISTS "${FlagHAL_PREFIX}/lib/libflaghal_ops.so.0")
    set(FlagHAL_ops_FOUND TRUE)
    if(NOT TARGET FlagHAL::ops)
        add_library(FlagHAL::ops SHARED IMPORTED)
        set_target_properties(FlagHAL::ops PROPERTIES
            IMPORTED_LOCATION "${FlagHAL_PREFIX}/lib/libflaghal_ops.so.0"
            IMPORTED_SONAME "libflaghal_ops.so.0"
            INTERFACE_INCLUDE_DIRECTORIES "${FlagHAL_INCLUDE_DIR}"
            INTERFACE_LINK_LIBRARIES FlagHAL::flaghal)
    endif()
endif()

set(FlagHAL_FOUND TRUE)
foreach(_flaghal_component IN LISTS FlagHAL_FIND_COMPONENTS)
    if(NOT FlagHAL_${_flaghal_component}_FOUND)
        if(FlagHAL_FIND_REQUIRED_${_flaghal_component})
            set(FlagHAL_FOUND FALSE)
            set(FlagHAL_NOT_FOUND_MESSAGE
                "FlagHAL component '${_flaghal_component}' is not in the install at ${FlagHAL_PREFIX}")
        endif()
    endif()
endforeach()
unset(_flaghal_component)
