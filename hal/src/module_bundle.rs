//! fhModuleLoadData of a module bundle (FH_MODULE_FORMAT_BUNDLE, flaghal.h
//! "Module bundles"): the loader checks the bundle, picks the images the
//! device can run in its order of preference, and hands the plugin one image
//! at a time until one loads. Plugins never see a bundle, so every plugin,
//! whatever language it is written in, gets bundles for free.
//!
//! The checks and the order are pure functions of `flaghal_formats::bundle`;
//! this file only drives the plugin calls and words the errors.

use crate::api::call_plugin;
use crate::failure::{fail, ApiResult, Failure};
use crate::handles::Device;
use flaghal_formats::bundle;
use flaghal_sys::names::module_format;
use flaghal_sys::*;

/// A module loaded from a bundle: the plugin's handle, the image it took,
/// and the parameter sizes the kernel table records.
pub struct Loaded {
    pub native: fhp_module_t,
    pub format: fh_module_format_t,
    pub params: Vec<(String, u32)>,
}

fn describe(image: &bundle::Image<'_>) -> String {
    match image.target {
        Some(target) => format!("{} ({target})", module_format(image.format)),
        None => module_format(image.format),
    }
}

/// Loads the best image of `bytes` that the plugin of `d` accepts; a
/// plugin's refusal is reported under `function` (fhModuleLoadData).
pub fn load(d: &'static Device, bytes: &[u8], function: &'static str) -> ApiResult<Loaded> {
    let parsed = bundle::parse(bytes).map_err(|e| fail(FH_ERROR_INVALID_IMAGE, format!("malformed bundle: {e}")))?;
    let count = (d.props.module_format_count as usize).min(d.props.module_formats.len());
    let formats = &d.props.module_formats[..count];
    let candidates = bundle::candidates(&parsed, formats, bundle::host_target());
    if candidates.is_empty() {
        let device: Vec<String> = formats.iter().map(|f| module_format(*f)).collect();
        let offered: Vec<String> = parsed.images.iter().map(describe).collect();
        return Err(fail(
            FH_ERROR_NOT_SUPPORTED,
            format!(
                "{} accepts {}; the bundle offers {} (native CPU images run on {})",
                d.describe(),
                if device.is_empty() { "no module format".to_string() } else { device.join(", ") },
                offered.join(", "),
                bundle::host_target().unwrap_or("no bundle target")
            ),
        ));
    }
    let params: Vec<(String, u32)> = parsed.kernels.iter().map(|k| (k.name.to_string(), k.params_size)).collect();
    let mut refusals: Vec<(String, Failure)> = Vec::new();
    for image in &candidates {
        let mut native: fhp_module_t = std::ptr::null_mut();
        let data = image.bytes.as_ptr().cast();
        match call_plugin!(d.plugin, module_load, function, d.native, image.format, data, image.bytes.len(), &mut native) {
            Ok(()) => return Ok(Loaded { native, format: image.format, params }),
            Err(e) if e.status == FH_ERROR_INVALID_IMAGE || e.status == FH_ERROR_NOT_SUPPORTED => {
                refusals.push((describe(image), e));
            }
            Err(e) => return Err(e),
        }
    }
    let status = refusals[0].1.status;
    let each: Vec<String> = refusals.iter().map(|(image, e)| format!("{image}: {}", e.message)).collect();
    Err(fail(status, format!("{} refused every image of the bundle it accepts: {}", d.describe(), each.join("; "))))
}
