/* A module that needs a symbol nobody defines: it links (shared objects may
 * leave symbols undefined) but dlopen with RTLD_NOW must refuse it, and the
 * plugin must report dlerror's text as FH_ERROR_INVALID_IMAGE. */
#include <flaghal/flaghal_cpu_kernel.h>

extern int flaghal_test_symbol_that_does_not_exist(int);

FH_CPU_KERNEL(uses_missing, 0, 0) {
    (void)args;
    if (ctx->grid_dim[0] == 12345) flaghal_test_symbol_that_does_not_exist(1);
}
