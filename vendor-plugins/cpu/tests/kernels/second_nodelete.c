/* A module that stays mapped after dlclose (linked with -z nodelete, as C++
 * modules with STB_GNU_UNIQUE symbols are). The tests load it, unload it,
 * then load another module: that one must not be mistaken for this one even
 * if it would get the same /proc/self/fd/N path. */
#include <flaghal/flaghal.h>
#include <flaghal/flaghal_cpu_kernel.h>

struct only_here_args {
    fh_deviceptr_t out; /* uint32_t */
};

FH_CPU_KERNEL(only_in_second, 1, 0) {
    (void)ctx;
    *FH_CPU_PTR(uint32_t, ((const struct only_here_args *)args)->out) = 0x5EC0D;
}
