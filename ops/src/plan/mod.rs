//! Each operator's arguments checked and turned into a [`Launch`]: the
//! kernel (ops/kernels/NAME.fhk), the launch geometry and the argument blob
//! in the kernel's struct layout. Pure: the same code answers the Supported
//! queries and plans the launches, so they cannot disagree.

pub mod elementwise;
pub mod gather;
pub mod mul_mat;
pub mod rows;

use crate::error::unsupported;
use flaghal_sys::FfiResult;

/// What the device can run: from its properties and the bundles loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    /// The f16 bundle is loaded (FH_DEVICE_CAP_FLOAT16).
    pub f16: bool,
    /// The q8_0 bundle is loaded (FLOAT16 and INT8).
    pub q8_0: bool,
    pub max_grid: [u32; 3],
}

impl Caps {
    pub fn require_f16(&self, what: &str) -> FfiResult {
        if self.f16 {
            Ok(())
        } else {
            Err(unsupported(format!("{what}: F16 needs FH_DEVICE_CAP_FLOAT16, which this device does not report")))
        }
    }

    pub fn require_q8_0(&self, what: &str) -> FfiResult {
        if self.q8_0 {
            Ok(())
        } else {
            Err(unsupported(format!("{what}: Q8_0 needs FH_DEVICE_CAP_FLOAT16 and FH_DEVICE_CAP_INT8, which this device does not both report")))
        }
    }
}

/// One kernel launch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Launch {
    pub kernel: &'static str,
    pub grid: [u32; 3],
    pub block: [u32; 3],
    pub args: Vec<u8>,
}

/// Threads per block of the 1D and row kernels.
pub const BLOCK: u32 = 256;

/// Most blocks a grid-stride kernel is given: enough to fill any device,
/// few enough for every device's grid limit.
pub const MAX_STRIDE_BLOCKS: u32 = 4096;

/// Blocks of a grid-stride kernel over `items` (threads or rows, `per_block`
/// of them per block).
pub fn stride_blocks(caps: &Caps, items: u32, per_block: u32) -> u32 {
    items.div_ceil(per_block).clamp(1, MAX_STRIDE_BLOCKS.min(caps.max_grid[0].max(1)))
}

/// A 1D grid-stride launch of `kernel` over `n` elements.
pub fn elementwise(caps: &Caps, kernel: &'static str, n: u32, args: Vec<u8>) -> Launch {
    Launch { kernel, grid: [stride_blocks(caps, n, BLOCK), 1, 1], block: [BLOCK, 1, 1], args }
}

/// A launch of a row kernel (one 256-thread block per row) over `rows`.
pub fn per_row(caps: &Caps, kernel: &'static str, rows: u32, args: Vec<u8>) -> Launch {
    Launch { kernel, grid: [stride_blocks(caps, rows, 1), 1, 1], block: [BLOCK, 1, 1], args }
}

#[cfg(test)]
pub(crate) fn test_caps() -> Caps {
    Caps { f16: true, q8_0: true, max_grid: [65535, 65535, 65535] }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_stride_launches_cover_small_and_cap_large_work() {
        let caps = test_caps();
        assert_eq!(stride_blocks(&caps, 1, BLOCK), 1);
        assert_eq!(stride_blocks(&caps, 257, BLOCK), 2);
        assert_eq!(stride_blocks(&caps, u32::MAX, BLOCK), MAX_STRIDE_BLOCKS);
        let small = Caps { max_grid: [100, 1, 1], ..caps };
        assert_eq!(stride_blocks(&small, 1 << 20, BLOCK), 100);
        assert_eq!(per_row(&caps, "k", 7, Vec::new()).grid, [7, 1, 1]);
    }
}
