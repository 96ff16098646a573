//! The block pool: one thread per core, shared by every stream of the device,
//! that runs the blocks of kernel launches.
//!
//! A launch posts a [`Job`]; every idle pool thread joins the first job that
//! still has work, and the stream worker that posted it joins too, so a grid
//! spreads over all cores and always makes progress even when the pool is
//! busy with other streams' launches. Threads start on the first launch, not
//! at load time, and live until the process exits.

use parking_lot::{Condvar, Mutex};
use std::collections::VecDeque;
use std::sync::Arc;

/// Work that several threads can take part in at once.
pub trait Job: Send + Sync {
    /// Whether a thread joining now would find anything to do.
    fn has_work(&self) -> bool;
    /// Does work until none is left to claim.
    fn participate(&self);
}

pub struct BlockPool {
    jobs: Mutex<VecDeque<Arc<dyn Job>>>,
    posted: Condvar,
}

impl BlockPool {
    /// Starts `threads` pool threads.
    pub fn start(threads: usize) -> Arc<BlockPool> {
        let pool = Arc::new(BlockPool { jobs: Mutex::new(VecDeque::new()), posted: Condvar::new() });
        for index in 0..threads {
            let pool = pool.clone();
            std::thread::Builder::new()
                .name(format!("flaghal-cpu-block-{index}"))
                .stack_size(crate::launch::KERNEL_STACK_SIZE)
                .spawn(move || pool.serve())
                .expect("cannot start a block pool thread");
        }
        pool
    }

    /// Offers `job` to the pool threads.
    pub fn post(&self, job: Arc<dyn Job>) {
        self.jobs.lock().push_back(job);
        self.posted.notify_all();
    }

    fn serve(&self) {
        loop {
            let job = {
                let mut jobs = self.jobs.lock();
                loop {
                    // Drop finished jobs from the front; take the first with work.
                    jobs.retain(|job| job.has_work());
                    if let Some(job) = jobs.front() {
                        break job.clone();
                    }
                    self.posted.wait(&mut jobs);
                }
            };
            job.participate();
        }
    }
}
