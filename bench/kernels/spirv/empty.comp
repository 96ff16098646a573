// empty: does nothing. flaghal-bench launches it to measure what a launch
// costs when the kernel itself costs nothing.
#version 450
// FlagHAL SPIR-V kernel convention (docs/vulkan.md): block size from
// specialization constants 0..2.
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;

void main() {
}
