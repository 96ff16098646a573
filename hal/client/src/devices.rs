//! fhDeviceGetCount, fhDeviceGet, fhDeviceGetProperties,
//! fhDeviceSynchronize, fhMemGetInfo.

use crate::error::Result;
use crate::hal::Hal;
use crate::handles::Device;
use crate::properties::Properties;
use flaghal_sys::fh_device_properties_t;

impl Hal {
    /// fhDeviceGetCount: the visible devices (0 is success).
    pub fn device_count(&self) -> Result<u32> {
        let mut count = 0u32;
        // SAFETY: `count` is a valid out pointer.
        self.check("fhDeviceGetCount", unsafe { self.raw().fhDeviceGetCount(&mut count) })?;
        Ok(count)
    }

    /// fhDeviceGet(ordinal).
    pub fn device(&self, ordinal: u32) -> Result<Device> {
        let mut device = std::ptr::null_mut();
        // SAFETY: `device` is a valid out pointer.
        self.check("fhDeviceGet", unsafe { self.raw().fhDeviceGet(ordinal, &mut device) })?;
        Ok(Device(device))
    }

    /// Every visible device, in ordinal order.
    pub fn devices(&self) -> Result<Vec<Device>> {
        (0..self.device_count()?).map(|ordinal| self.device(ordinal)).collect()
    }

    /// fhDeviceGetProperties with the full 1.0 struct.
    pub fn properties(&self, device: Device) -> Result<Properties> {
        let mut props = fh_device_properties_t { struct_size: std::mem::size_of::<fh_device_properties_t>(), ..Default::default() };
        // SAFETY: `props` is a valid struct with its struct_size set.
        self.check("fhDeviceGetProperties", unsafe { self.raw().fhDeviceGetProperties(device.0, &mut props) })?;
        Ok(Properties(props))
    }

    /// The first device served by the plugin named `plugin`, if any.
    pub fn device_of_plugin(&self, plugin: &str) -> Result<Option<Device>> {
        for device in self.devices()? {
            if self.properties(device)?.plugin_name() == plugin {
                return Ok(Some(device));
            }
        }
        Ok(None)
    }

    /// fhDeviceSynchronize: waits for every stream of the device.
    pub fn device_synchronize(&self, device: Device) -> Result {
        // SAFETY: no pointers besides the handle.
        self.check("fhDeviceSynchronize", unsafe { self.raw().fhDeviceSynchronize(device.0) })
    }

    /// fhMemGetInfo: (free, total) bytes.
    pub fn mem_get_info(&self, device: Device) -> Result<(usize, usize)> {
        let (mut free, mut total) = (0usize, 0usize);
        // SAFETY: both are valid out pointers.
        self.check("fhMemGetInfo", unsafe { self.raw().fhMemGetInfo(device.0, &mut free, &mut total) })?;
        Ok((free, total))
    }
}
