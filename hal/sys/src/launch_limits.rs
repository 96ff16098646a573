//! The device limits of a kernel launch (flaghal.h, fhLaunchKernel): the one
//! check of grid, block, dynamic shared memory and argument size against a
//! device's properties. The loader runs it before calling a plugin (plugin
//! ABI rule 7) and the Rust plugin SDK runs it again for plugins driven
//! directly; a plugin checks only its kernel's own limits. Pure.

use crate::bindings::fh_device_properties_t;

/// Checks a launch against the limits `props` reports; the error names the
/// limit that was exceeded (the caller returns FH_ERROR_INVALID_CONFIGURATION).
pub fn check(props: &fh_device_properties_t, grid: [u32; 3], block: [u32; 3], shared: u32, args_size: usize) -> Result<(), String> {
    if grid.contains(&0) || block.contains(&0) {
        return Err(format!("zero dimension in grid {grid:?} or block {block:?}"));
    }
    for axis in 0..3 {
        if block[axis] > props.max_block_dim[axis] {
            return Err(format!("block {block:?} exceeds max_block_dim {:?}", props.max_block_dim));
        }
        if grid[axis] > props.max_grid_dim[axis] {
            return Err(format!("grid {grid:?} exceeds max_grid_dim {:?}", props.max_grid_dim));
        }
    }
    let threads = block.iter().map(|&b| u64::from(b)).product::<u64>();
    if threads > u64::from(props.max_threads_per_block) {
        return Err(format!("block of {threads} threads exceeds max_threads_per_block {}", props.max_threads_per_block));
    }
    if shared > props.max_shared_memory_per_block {
        return Err(format!("{shared} bytes of shared memory exceed max_shared_memory_per_block {}", props.max_shared_memory_per_block));
    }
    if args_size > props.max_kernel_args_size as usize {
        return Err(format!("args_size {args_size} exceeds max_kernel_args_size {}", props.max_kernel_args_size));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props() -> fh_device_properties_t {
        fh_device_properties_t {
            max_threads_per_block: 256,
            max_block_dim: [256, 256, 64],
            max_grid_dim: [65535, 65535, 65535],
            max_shared_memory_per_block: 16384,
            max_kernel_args_size: 128,
            ..Default::default()
        }
    }

    #[test]
    fn every_limit_is_checked_and_named() {
        let p = props();
        assert_eq!(check(&p, [1, 1, 1], [256, 1, 1], 16384, 128), Ok(()));
        assert!(check(&p, [0, 1, 1], [1, 1, 1], 0, 0).unwrap_err().contains("zero dimension"));
        assert!(check(&p, [1, 1, 1], [1, 1, 0], 0, 0).unwrap_err().contains("zero dimension"));
        assert!(check(&p, [1, 1, 1], [1, 1, 65], 0, 0).unwrap_err().contains("max_block_dim"));
        assert!(check(&p, [65536, 1, 1], [1, 1, 1], 0, 0).unwrap_err().contains("max_grid_dim"));
        assert!(check(&p, [1, 1, 1], [16, 16, 2], 0, 0).unwrap_err().contains("512 threads"));
        assert!(check(&p, [1, 1, 1], [1, 1, 1], 16385, 0).unwrap_err().contains("shared memory"));
        assert!(check(&p, [1, 1, 1], [1, 1, 1], 0, 129).unwrap_err().contains("args_size 129"));
        let big = fh_device_properties_t { max_block_dim: [u32::MAX; 3], max_threads_per_block: u32::MAX, ..p };
        assert!(check(&big, [1, 1, 1], [65536, 65536, 2], 0, 0).is_err(), "no overflow in the product");
    }
}
