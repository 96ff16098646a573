/*
 * flaghal/kernel/pointer_types.h - the kernel language's pointer types to
 * device memory, one FH_DEFINE_POINTER(pointer, read-only pointer, element
 * type, alignment) each. Included by both targets after they define
 * FH_DEFINE_POINTER. float16_t exists where the compiler has it (glslc
 * always; C: GCC 12+ and clang on x86-64 and AArch64); on OpenCL the
 * prologue declares f16_ptr and f64_ptr where the device has them.
 */
#ifndef FLAGHAL_KERNEL_POINTER_TYPES_H_
#define FLAGHAL_KERNEL_POINTER_TYPES_H_

FH_DEFINE_POINTER(f32_ptr, f32_cptr, float, 4);
#if defined(FH_KERNEL_HAS_FLOAT64)
FH_DEFINE_POINTER(f64_ptr, f64_cptr, double, 8);
#endif
#if defined(FH_KERNEL_HAS_FLOAT16)
FH_DEFINE_POINTER(f16_ptr, f16_cptr, float16_t, 2);
#endif
FH_DEFINE_POINTER(u8_ptr, u8_cptr, uint8_t, 1);
FH_DEFINE_POINTER(i8_ptr, i8_cptr, int8_t, 1);
FH_DEFINE_POINTER(u16_ptr, u16_cptr, uint16_t, 2);
FH_DEFINE_POINTER(i16_ptr, i16_cptr, int16_t, 2);
FH_DEFINE_POINTER(u32_ptr, u32_cptr, uint32_t, 4);
FH_DEFINE_POINTER(i32_ptr, i32_cptr, int32_t, 4);
FH_DEFINE_POINTER(u64_ptr, u64_cptr, uint64_t, 8);
FH_DEFINE_POINTER(i64_ptr, i64_cptr, int64_t, 8);

#endif /* FLAGHAL_KERNEL_POINTER_TYPES_H_ */
