//! fhPointerGetAttributes (API 1.2) as a Rust value.

use crate::error::Result;
use crate::hal::Hal;
use crate::handles::Device;
use flaghal_sys::{fh_deviceptr_t, fh_memory_type_t, fh_pointer_attributes_t, FH_MEMORY_TYPE_UNREGISTERED};

/// What fhPointerGetAttributes says about an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PointerAttributes {
    /// FH_MEMORY_TYPE_*.
    pub memory_type: fh_memory_type_t,
    /// The owning device, `None` when unregistered.
    pub device: Option<Device>,
    /// Its ordinal, u32::MAX when unregistered.
    pub device_ordinal: u32,
    pub base: u64,
    pub size: u64,
}

impl PointerAttributes {
    pub fn is_registered(&self) -> bool {
        self.memory_type != FH_MEMORY_TYPE_UNREGISTERED
    }
}

impl Hal {
    /// fhPointerGetAttributes: the allocation containing `address`, asking
    /// `device` only, or every device when `None`.
    pub fn pointer_attributes(&self, device: Option<Device>, address: fh_deviceptr_t) -> Result<PointerAttributes> {
        let mut raw = fh_pointer_attributes_t {
            struct_size: std::mem::size_of::<fh_pointer_attributes_t>(),
            ..Default::default()
        };
        let v1_2 = self.raw_v1_2("fhPointerGetAttributes")?;
        let handle = device.map_or(std::ptr::null_mut(), |d| d.0);
        // SAFETY: `raw` is a sized struct of the current size, writable.
        self.check("fhPointerGetAttributes", unsafe { v1_2.fhPointerGetAttributes(&mut raw, handle, address) })?;
        Ok(PointerAttributes {
            memory_type: raw.type_,
            device: (!raw.device.is_null()).then_some(Device(raw.device)),
            device_ordinal: raw.device_ordinal,
            base: raw.base,
            size: raw.size,
        })
    }
}
