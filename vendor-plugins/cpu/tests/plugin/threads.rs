//! Many threads at once: every entry is thread-safe (flaghal_plugin.h rule 6).

use crate::support::*;
use flaghal_sys::*;

#[test]
fn many_threads_allocate_launch_and_copy_concurrently() {
    #[repr(C)]
    struct Args {
        a: u64,
        b: u64,
        c: u64,
        n: u32,
    }
    let p = plugin();
    let module = p.load_test_kernels();
    let kernel = p.function(module, c"vector_add");
    std::thread::scope(|scope| {
        for t in 0..8u32 {
            scope.spawn(move || {
                let stream = p.stream();
                let n = 1000 + t * 17;
                let bytes = n as usize * 4;
                let (a, b, c) = (p.alloc(bytes), p.alloc(bytes), p.alloc(bytes));
                // Each thread also loads and looks up its own module.
                let own = p.load_test_kernels();
                let own_kernel = p.function(own, c"vector_add");
                for round in 0..20u32 {
                    let x: Vec<u8> = (0..n).flat_map(|i| ((i + round) as f32).to_ne_bytes()).collect();
                    let y: Vec<u8> = (0..n).flat_map(|i| ((t * round) as f32 + i as f32).to_ne_bytes()).collect();
                    // SAFETY: x and y outlive the stream work (synchronised below).
                    unsafe {
                        assert_eq!(p.api.memcpy_htod_async.unwrap()(stream.0, a, x.as_ptr().cast(), bytes), FH_SUCCESS);
                        assert_eq!(p.api.memcpy_htod_async.unwrap()(stream.0, b, y.as_ptr().cast(), bytes), FH_SUCCESS);
                    }
                    let which = if round % 2 == 0 { kernel } else { own_kernel };
                    let args = Args { a, b, c, n };
                    assert_eq!(p.launch(which, [n.div_ceil(64), 1, 1], [64, 1, 1], 0, stream, &args), FH_SUCCESS);
                    let mut out = vec![0u8; bytes];
                    // SAFETY: `out` outlives the stream work.
                    assert_eq!(unsafe { p.api.memcpy_dtoh_async.unwrap()(stream.0, out.as_mut_ptr().cast(), c, bytes) }, FH_SUCCESS);
                    assert_eq!(p.sync(stream), FH_SUCCESS);
                    for (i, chunk) in out.chunks_exact(4).enumerate() {
                        let expected = (i as u32 + round) as f32 + ((t * round) as f32 + i as f32);
                        assert_eq!(f32::from_ne_bytes(chunk.try_into().unwrap()), expected, "thread {t} round {round} element {i}");
                    }
                }
                p.unload(own);
                for ptr in [a, b, c] {
                    assert_eq!(p.free(ptr), FH_SUCCESS);
                }
                p.destroy_stream(stream);
            });
        }
    });
    p.unload(module);
}
