/*
 * flaghal/kernel/constructor_casts.h - GLSL's constructor casts, float(x),
 * uint32_t(x) ..., as C casts, for the targets whose compiler is a C
 * compiler (native CPU, OpenCL C). A function-like macro never touches the
 * type names themselves: `float x`, `(float)x` and `sizeof(float)` are not
 * followed by an argument list.
 */
#ifndef FLAGHAL_KERNEL_CONSTRUCTOR_CASTS_H_
#define FLAGHAL_KERNEL_CONSTRUCTOR_CASTS_H_

#define float(x) ((float)(x))
#define double(x) ((double)(x))
#define int(x) ((int)(x))
#define uint(x) ((uint)(x))
#define int8_t(x) ((int8_t)(x))
#define uint8_t(x) ((uint8_t)(x))
#define int16_t(x) ((int16_t)(x))
#define uint16_t(x) ((uint16_t)(x))
#define int32_t(x) ((int32_t)(x))
#define uint32_t(x) ((uint32_t)(x))
#define int64_t(x) ((int64_t)(x))
#define uint64_t(x) ((uint64_t)(x))
#define float16_t(x) ((float16_t)(x))

#endif /* FLAGHAL_KERNEL_CONSTRUCTOR_CASTS_H_ */
