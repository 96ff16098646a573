//! fh_device_properties_t as a program reads it.

use flaghal_sys::{fh_device_properties_t, fh_module_format_t, ptr::char_array_to_string};

/// A device's properties (fhDeviceGetProperties, the full 1.0 struct): the
/// raw struct in `.0`, its text fields decoded by the methods.
#[derive(Debug, Clone, Copy)]
pub struct Properties(pub fh_device_properties_t);

// SAFETY: plain data copied out of the loader; its one pointer (`next`) is
// never dereferenced here.
unsafe impl Send for Properties {}
// SAFETY: as above; shared reads of plain data.
unsafe impl Sync for Properties {}

impl Properties {
    pub fn name(&self) -> String {
        char_array_to_string(&self.0.name)
    }

    pub fn vendor(&self) -> String {
        char_array_to_string(&self.0.vendor)
    }

    /// The name of the plugin that serves the device (`cpu`, `vulkan`).
    pub fn plugin_name(&self) -> String {
        char_array_to_string(&self.0.plugin_name)
    }

    /// Whether every bit of `capabilities` (FH_DEVICE_CAP_*) is set.
    pub fn has(&self, capabilities: u64) -> bool {
        self.0.capabilities & capabilities == capabilities
    }

    /// The module formats the device accepts, in its order of preference.
    pub fn formats(&self) -> Vec<fh_module_format_t> {
        let n = (self.0.module_format_count as usize).min(self.0.module_formats.len());
        self.0.module_formats[..n].to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flaghal_sys::*;

    #[test]
    fn text_capabilities_and_formats_decode_the_raw_struct() {
        let mut raw = fh_device_properties_t::default();
        ptr::copy_to_char_array(&mut raw.name, "Acme NPU");
        ptr::copy_to_char_array(&mut raw.plugin_name, "acme");
        raw.capabilities = FH_DEVICE_CAP_EVENT_TIMING | FH_DEVICE_CAP_HOST_FUNC;
        raw.module_formats[..3].copy_from_slice(&[FH_MODULE_FORMAT_SPIRV, FH_MODULE_FORMAT_PTX, 99]);
        raw.module_format_count = 2;
        let p = Properties(raw);
        assert_eq!((p.name(), p.plugin_name(), p.vendor()), ("Acme NPU".into(), "acme".into(), String::new()));
        assert!(p.has(FH_DEVICE_CAP_EVENT_TIMING) && p.has(FH_DEVICE_CAP_EVENT_TIMING | FH_DEVICE_CAP_HOST_FUNC));
        assert!(!p.has(FH_DEVICE_CAP_EVENT_TIMING | FH_DEVICE_CAP_PINNED_HOST_MEMORY), "every bit asked for");
        assert_eq!(p.formats(), vec![FH_MODULE_FORMAT_SPIRV, FH_MODULE_FORMAT_PTX], "only module_format_count of them");
        raw.module_format_count = 200;
        assert_eq!(Properties(raw).formats().len(), raw.module_formats.len(), "a count past the array is clamped");
    }
}
