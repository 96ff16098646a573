//! Group `pointers`: fhPointerGetAttributes (API 1.2; plugin ABI 1.1
//! `pointer_get_attributes`, or the loader's records for a 1.0 plugin).
//! Every address inside an allocation, first byte to last, names that
//! allocation's device, kind, base and requested size; the byte past its
//! end, freed memory and plain host memory do not.

use super::{core, optional, Ctx, Stop, TestDef, TestResult};
use crate::{ensure, expect_status};
use flaghal_client::PointerAttributes;
use flaghal_sys as sys;

pub fn tests() -> Vec<TestDef> {
    vec![
        core("pointers.device_allocations", "first, interior and last bytes of device allocations name their base, size and device", device_allocations),
        core("pointers.outside_and_freed", "the byte past the end, freed memory and host memory are not claimed as the allocation", outside_and_freed),
        core("pointers.any_device", "asking every device (NULL) finds the allocation on this device", any_device),
        optional("pointers.pinned_host", sys::FH_DEVICE_CAP_PINNED_HOST_MEMORY, "pinned host memory is FH_MEMORY_TYPE_HOST with its base and size", pinned_host),
        core("pointers.struct_rules", "struct_size too small or NULL is INVALID_VALUE; bytes past struct_size are untouched", struct_rules),
    ]
}

fn query(ctx: &Ctx, address: u64) -> Result<PointerAttributes, Stop> {
    Ok(ctx.hal.pointer_attributes(Some(ctx.device), address)?)
}

/// Fails unless `address` is reported inside `[base, base + size)` of `memory_type` on this device.
fn expect_inside(ctx: &Ctx, what: &str, address: u64, memory_type: sys::fh_memory_type_t, base: u64, size: u64) -> TestResult {
    let a = query(ctx, address)?;
    ensure!(a.memory_type == memory_type, "{what} (0x{address:x}): type {}, expected {memory_type}", a.memory_type);
    ensure!(a.base == base && a.size == size, "{what} (0x{address:x}): base 0x{:x} size {}, expected base 0x{base:x} size {size}", a.base, a.size);
    ensure!(a.device == Some(ctx.device) && a.device_ordinal == ctx.ordinal, "{what}: device ordinal {}, expected {}", a.device_ordinal, ctx.ordinal);
    Ok(())
}

fn device_allocations(ctx: &Ctx) -> TestResult {
    let sizes = [1usize, 255, 256, 4097, (1 << 20) + 3];
    let mut live = Vec::new();
    for size in sizes {
        live.push((ctx.hal.mem_alloc(ctx.device, size)?, size as u64));
    }
    for &(base, size) in &live {
        for (what, offset) in [("first byte", 0), ("interior", size / 2), ("last byte", size - 1)] {
            expect_inside(ctx, &format!("{what} of a {size}-byte allocation"), base + offset, sys::FH_MEMORY_TYPE_DEVICE, base, size)?;
        }
    }
    for (base, _) in live {
        ctx.hal.mem_free(ctx.device, base)?;
    }
    Ok(())
}

fn outside_and_freed(ctx: &Ctx) -> TestResult {
    let size = 1000u64;
    let base = ctx.hal.mem_alloc(ctx.device, size as usize)?;
    let past = query(ctx, base + size)?;
    ensure!(
        !past.is_registered() || past.base > base,
        "the byte past a {size}-byte allocation is claimed by it (base 0x{:x} size {})",
        past.base,
        past.size
    );
    ctx.hal.mem_free(ctx.device, base)?;
    let freed = query(ctx, base + 8)?;
    ensure!(!freed.is_registered(), "freed memory is still reported (type {}, base 0x{:x})", freed.memory_type, freed.base);
    ensure!(freed.device.is_none() && freed.device_ordinal == u32::MAX && freed.size == 0, "an unregistered answer names a device or size");
    let host = Box::new([0u8; 64]);
    let plain = query(ctx, host.as_ptr() as u64 + 3)?;
    ensure!(!plain.is_registered(), "plain host memory (a Vec) is reported as type {}", plain.memory_type);
    Ok(())
}

fn any_device(ctx: &Ctx) -> TestResult {
    let size = 4096u64 + 17;
    let base = ctx.hal.mem_alloc(ctx.device, size as usize)?;
    let a = ctx.hal.pointer_attributes(None, base + 100)?;
    ctx.hal.mem_free(ctx.device, base)?;
    ensure!(a.is_registered(), "asking every device: an allocation of device {} is unregistered", ctx.ordinal);
    if a.device_ordinal == ctx.ordinal {
        ensure!(a.base == base && a.size == size, "asking every device: base 0x{:x} size {}, expected 0x{base:x} {size}", a.base, a.size);
    } else {
        ctx.warn(format!("the address is also claimed by device {} (overlapping address spaces)", a.device_ordinal));
    }
    Ok(())
}

fn pinned_host(ctx: &Ctx) -> TestResult {
    let size = 3 * 4096 + 5;
    let host = ctx.hal.mem_alloc_host(ctx.device, size)?;
    let base = host as u64;
    let result = expect_inside(ctx, "pinned host memory", base + 4096, sys::FH_MEMORY_TYPE_HOST, base, size as u64)
        .and_then(|()| expect_inside(ctx, "pinned host memory, last byte", base + size as u64 - 1, sys::FH_MEMORY_TYPE_HOST, base, size as u64));
    // SAFETY: `host` came from fhMemAllocHost on this device and is not used again.
    unsafe { ctx.hal.mem_free_host(ctx.device, host) }?;
    result?;
    let freed = query(ctx, base)?;
    ensure!(!freed.is_registered(), "freed pinned memory is still reported (type {})", freed.memory_type);
    Ok(())
}

fn struct_rules(ctx: &Ctx) -> TestResult {
    let raw = ctx.hal.raw_v1_2("fhPointerGetAttributes")?;
    let base = ctx.hal.mem_alloc(ctx.device, 512)?;
    // SAFETY: a NULL struct is the case under test.
    let rc = unsafe { raw.fhPointerGetAttributes(std::ptr::null_mut(), ctx.device.0, base) };
    expect_status!(rc, sys::FH_ERROR_INVALID_VALUE, "fhPointerGetAttributes(NULL)");
    let mut small = sys::fh_pointer_attributes_t { struct_size: 8, base: 0x5EED, ..Default::default() };
    // SAFETY: a valid struct whose struct_size is too small.
    let rc = unsafe { raw.fhPointerGetAttributes(&mut small, ctx.device.0, base) };
    expect_status!(rc, sys::FH_ERROR_INVALID_VALUE, "fhPointerGetAttributes(struct_size 8)");
    ensure!(small.base == 0x5EED, "a refused call wrote the struct");
    // A caller from a newer header: a bigger struct whose tail must stay as it was.
    #[repr(C)]
    #[derive(Default)]
    struct Newer {
        known: sys::fh_pointer_attributes_t,
        future: [u64; 2],
    }
    let mut newer = Newer { future: [0xAAAA_AAAA, 0xBBBB_BBBB], ..Default::default() };
    newer.known.struct_size = std::mem::size_of::<Newer>();
    // SAFETY: `newer` is writable for its struct_size.
    let rc = unsafe { raw.fhPointerGetAttributes(&mut newer.known, ctx.device.0, base + 1) };
    ctx.hal.mem_free(ctx.device, base)?;
    expect_status!(rc, sys::FH_SUCCESS, "fhPointerGetAttributes(larger struct_size)");
    ensure!(newer.known.base == base && newer.known.size == 512, "larger struct: base 0x{:x} size {}", newer.known.base, newer.known.size);
    ensure!(newer.future == [0xAAAA_AAAA, 0xBBBB_BBBB], "bytes past the known fields were written: {:x?}", newer.future);
    Ok(())
}
