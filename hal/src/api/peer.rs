//! fhMemcpyPeer and fhMemcpyPeerAsync (API 1.2): copies between devices,
//! also of different plugins. The checks live here; the copying in
//! crate::peer.

use super::{device, exports, stream};
use crate::failure::{fail, ApiResult};
use crate::handles::Device;
use crate::{peer, trace, validation};
use flaghal_sys::*;

exports! {
    /// # Safety
    /// None beyond the C signature.
    fn fhMemcpyPeer(dst_handle: fh_device_t, dst: fh_deviceptr_t, src_handle: fh_device_t, src: fh_deviceptr_t, size: usize) {
        let dd = device(dst_handle)?;
        let sd = device(src_handle)?;
        check_ranges(dd, dst, sd, src, size)?;
        if size == 0 {
            return Ok(());
        }
        if std::ptr::eq(dd, sd) {
            return super::call_plugin!(dd.plugin, memcpy_dtod, FUNCTION, dd.native, dst, src, size);
        }
        peer::copy_sync(FUNCTION, dd, dst, sd, src, size)
    }

    /// # Safety
    /// None beyond the C signature.
    fn fhMemcpyPeerAsync(dst: fh_deviceptr_t, src: fh_deviceptr_t, size: usize, dst_handle: fh_stream_t, src_handle: fh_stream_t) {
        let ds = stream(dst_handle)?;
        let ss = stream(src_handle)?;
        let (dd, sd) = (ds.device(), ss.device());
        check_ranges(dd, dst, sd, src, size)?;
        if size == 0 {
            return Ok(());
        }
        if std::ptr::eq(dd, sd) {
            return trace::stream_work(ds, || "peer copy (one device)".into(), Default::default, || {
                peer::copy_async_one_device(FUNCTION, dst, src, size, ds, ss)
            });
        }
        if !dd.plugin.abi_minor_at_least(1) {
            // The staging relies on the destination reading its own pinned
            // memory in stream order, a rule of plugin ABI 1.1; a 1.0 plugin
            // is held to the 1.0 text only (docs/abi.md, "What is stable").
            return Err(fail(
                FH_ERROR_NOT_SUPPORTED,
                format!(
                    "{} belongs to a plugin of ABI 1.0, which does not promise to read pinned memory in stream order, as a queued copy between devices needs; use fhMemcpyPeer",
                    dd.describe()
                ),
            ));
        }
        for (d, capability, what) in [
            (sd, FH_DEVICE_CAP_HOST_FUNC, "host functions (FH_DEVICE_CAP_HOST_FUNC)"),
            (dd, FH_DEVICE_CAP_HOST_FUNC, "host functions (FH_DEVICE_CAP_HOST_FUNC)"),
            (dd, FH_DEVICE_CAP_PINNED_HOST_MEMORY, "pinned host memory (FH_DEVICE_CAP_PINNED_HOST_MEMORY)"),
        ] {
            let entry = match capability {
                FH_DEVICE_CAP_HOST_FUNC => d.plugin.api.launch_host_func.is_some(),
                _ => d.plugin.api.mem_alloc_host.is_some(),
            };
            if !(d.has_capability(capability) && entry) {
                return Err(fail(
                    FH_ERROR_NOT_SUPPORTED,
                    format!("{} has no {what}, which a queued copy between devices needs; use fhMemcpyPeer", d.describe()),
                ));
            }
        }
        let args = || {
            let mut a = serde_json::Map::new();
            a.insert("bytes".into(), size.into());
            a.insert("from".into(), sd.describe().into());
            a.insert("to".into(), dd.describe().into());
            a
        };
        trace::stream_work(ds, || "peer copy (write)".into(), args, || {
            trace::stream_work(ss, || "peer copy (read)".into(), args, || peer::pipeline::copy_async(FUNCTION, dst, src, size, ds, ss))
        })
    }
}

/// Both ranges end inside the 64-bit address space and, with the validation
/// layer, lie inside live allocations of their devices.
fn check_ranges(dd: &Device, dst: fh_deviceptr_t, sd: &Device, src: fh_deviceptr_t, size: usize) -> ApiResult {
    for (name, address, d) in [("src", src, sd), ("dst", dst, dd)] {
        if address.checked_add(size as u64).is_none() {
            return Err(fail(
                FH_ERROR_INVALID_VALUE,
                format!("{name} range 0x{address:x}+{size} on {} overflows the address space", d.describe()),
            ));
        }
        validation::check_range(d, address, size, name)?;
    }
    Ok(())
}
