/* fault (docs/kernels.md): fails the launch and writes nothing. A native CPU
 * kernel only: the kernel language has no way for a kernel to fail on
 * purpose (a SPIR-V shader cannot), so the suite's errors.launch_failed test
 * runs where the device loads the bundle's native CPU image, or a vendor's
 * kernel pack carries fault. */
#include <stdio.h>
#include <flaghal/flaghal_cpu_kernel.h>

struct fault_args {
    uint32_t code;
};

FH_CPU_KERNEL(fault, 0, 0) {
    const struct fault_args *a = (const struct fault_args *)args;
    char message[64];
    snprintf(message, sizeof message, "fault: deliberate failure %u", (unsigned)a->code);
    ctx->fail(ctx, message);
}
