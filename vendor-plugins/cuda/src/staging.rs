//! Pinned staging buffers for asynchronous copies from and to pageable host
//! memory: the bookkeeping (pure; the device allocates and frees the
//! buffers with cuMemHostAlloc / cuMemFreeHost).
//!
//! Why stage at all: for pageable memory the CUDA driver "may synchronize
//! with the stream" inside cuMemcpy*Async (a device-to-host copy into
//! pageable memory waits until the stream reaches it). FlagHAL's async
//! copies must return at once, and a caller that blocks its stream with a
//! host function and then queues a copy would deadlock. So a copy whose host
//! range is not inside memory from fhMemAllocHost goes through a pinned
//! buffer: host-to-device copies the bytes into it at once and queues the
//! DMA from it; device-to-host queues the DMA into it and a host function
//! (no CUDA calls) that copies it into the destination. In both cases a host
//! function on the stream gives the buffer back to this pool when the
//! stream is past the copy. Host functions never call CUDA, so buffers over
//! the pool's cap are only marked for freeing ([`Pool::take_doomed`]), and
//! the device frees them at its next synchronous call.

/// One pinned host buffer (its address and size).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Buffer {
    pub addr: usize,
    pub size: usize,
}

/// The smallest buffer the pool allocates: small copies share sizes.
pub const MIN_BUFFER: usize = 64 << 10;
/// Idle bytes the pool keeps; beyond that, returned buffers are freed.
pub const IDLE_CAP: usize = 256 << 20;

/// The size to allocate for a copy of `len` bytes: the next power of two, at
/// least [`MIN_BUFFER`], so that buffers are reused across copy sizes.
pub fn buffer_size(len: usize) -> usize {
    len.max(MIN_BUFFER).checked_next_power_of_two().unwrap_or(len)
}

/// Idle buffers and buffers waiting to be freed.
#[derive(Debug, Default)]
pub struct Pool {
    idle: Vec<Buffer>,
    idle_bytes: usize,
    doomed: Vec<Buffer>,
}

impl Pool {
    /// The smallest idle buffer of at least `len` bytes.
    pub fn take(&mut self, len: usize) -> Option<Buffer> {
        let (i, _) = self.idle.iter().enumerate().filter(|(_, b)| b.size >= len).min_by_key(|(_, b)| b.size)?;
        let buffer = self.idle.swap_remove(i);
        self.idle_bytes -= buffer.size;
        Some(buffer)
    }

    /// A buffer the stream is done with: kept for reuse, or marked for
    /// freeing when the pool already holds [`IDLE_CAP`] idle bytes.
    pub fn give(&mut self, buffer: Buffer) {
        if self.idle_bytes + buffer.size > IDLE_CAP {
            self.doomed.push(buffer);
        } else {
            self.idle_bytes += buffer.size;
            self.idle.push(buffer);
        }
    }

    /// The buffers to free now (on a thread that may call CUDA).
    pub fn take_doomed(&mut self) -> Vec<Buffer> {
        std::mem::take(&mut self.doomed)
    }

    pub fn idle_bytes(&self) -> usize {
        self.idle_bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_round_up_to_powers_of_two() {
        assert_eq!(buffer_size(1), MIN_BUFFER);
        assert_eq!(buffer_size(MIN_BUFFER + 1), 2 * MIN_BUFFER);
        assert_eq!(buffer_size(64 << 20), 64 << 20);
        assert_eq!(buffer_size((64 << 20) + 1), 128 << 20);
    }

    #[test]
    fn the_smallest_fitting_buffer_is_reused() {
        let mut pool = Pool::default();
        assert_eq!(pool.take(1), None, "an empty pool");
        let (small, big) = (Buffer { addr: 0x1000, size: MIN_BUFFER }, Buffer { addr: 0x9000, size: 4 * MIN_BUFFER });
        pool.give(big);
        pool.give(small);
        assert_eq!(pool.idle_bytes(), 5 * MIN_BUFFER);
        assert_eq!(pool.take(10), Some(small));
        assert_eq!(pool.take(MIN_BUFFER + 1), Some(big));
        assert_eq!(pool.take(1), None);
        assert_eq!(pool.idle_bytes(), 0);
    }

    #[test]
    fn beyond_the_cap_buffers_are_doomed() {
        let mut pool = Pool::default();
        let half = Buffer { addr: 1, size: IDLE_CAP / 2 };
        pool.give(half);
        pool.give(Buffer { addr: 2, ..half });
        pool.give(Buffer { addr: 3, ..half });
        assert_eq!(pool.idle_bytes(), IDLE_CAP);
        assert_eq!(pool.take_doomed(), vec![Buffer { addr: 3, ..half }]);
        assert!(pool.take_doomed().is_empty(), "taken once");
    }
}
