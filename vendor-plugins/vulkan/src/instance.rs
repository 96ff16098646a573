//! The Vulkan instance: libvulkan is loaded at run time (ash `loaded`), so the
//! plugin opens on machines without Vulkan and reports zero devices with the
//! reason in the loader's log. Validation messages (VK_LAYER_KHRONOS_validation
//! enabled through VK_INSTANCE_LAYERS) go through a debug-utils messenger that
//! logs and counts them; tests assert the count stays zero.

use crate::host;
use flaghal_sys as sys;
use ash::vk;
use std::ffi::{c_void, CStr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

static VALIDATION_MESSAGES: AtomicU64 = AtomicU64::new(0);
/// FLAGHAL_VULKAN_VALIDATION_FATAL=1: a validation warning or error also
/// fails the Vulkan call that caused it (the callback returns VK_TRUE), so
/// a harness that cannot read the log (the conformance suite's child
/// processes) still sees it as a failed FlagHAL call.
static VALIDATION_FATAL: AtomicBool = AtomicBool::new(false);

/// Number of warning or error messages the validation layers reported in
/// this process.
pub fn validation_message_count() -> u64 {
    VALIDATION_MESSAGES.load(Ordering::SeqCst)
}

/// The loaded Vulkan library and instance. Lives until the process exits
/// (never destroyed: devices are valid until exit).
pub struct Vulkan {
    pub entry: ash::Entry,
    pub instance: ash::Instance,
    _messenger: Option<vk::DebugUtilsMessengerEXT>,
}

unsafe extern "system" fn debug_callback(
    severity: vk::DebugUtilsMessageSeverityFlagsEXT,
    kind: vk::DebugUtilsMessageTypeFlagsEXT,
    data: *const vk::DebugUtilsMessengerCallbackDataEXT<'_>,
    _user: *mut c_void,
) -> vk::Bool32 {
    let status = flaghal_sys::ffi_boundary(
        || {
            // SAFETY: Vulkan passes a valid callback-data struct (or NULL) for
            // the duration of the call.
            let data = unsafe { flaghal_sys::ptr::in_ref(data, "callback data") }?;
            let text = if data.p_message.is_null() {
                String::from("(no message)")
            } else {
                // SAFETY: p_message is a NUL-terminated string valid during the call.
                unsafe { CStr::from_ptr(data.p_message) }.to_string_lossy().into_owned()
            };
            let serious = severity.intersects(
                vk::DebugUtilsMessageSeverityFlagsEXT::WARNING | vk::DebugUtilsMessageSeverityFlagsEXT::ERROR,
            );
            if serious && kind.intersects(vk::DebugUtilsMessageTypeFlagsEXT::VALIDATION) {
                VALIDATION_MESSAGES.fetch_add(1, Ordering::SeqCst);
                host::warn(&format!("validation: {text}"));
                if VALIDATION_FATAL.load(Ordering::SeqCst) {
                    return Err(flaghal_sys::FfiError::new(sys::FH_ERROR_UNKNOWN, ""));
                }
            } else {
                host::debug(&format!("driver: {text}"));
            }
            Ok(())
        },
        |_| {},
    );
    if status == sys::FH_ERROR_UNKNOWN {
        vk::TRUE
    } else {
        vk::FALSE
    }
}

fn messenger_info() -> vk::DebugUtilsMessengerCreateInfoEXT<'static> {
    vk::DebugUtilsMessengerCreateInfoEXT::default()
        .message_severity(
            vk::DebugUtilsMessageSeverityFlagsEXT::WARNING | vk::DebugUtilsMessageSeverityFlagsEXT::ERROR,
        )
        .message_type(
            vk::DebugUtilsMessageTypeFlagsEXT::GENERAL
                | vk::DebugUtilsMessageTypeFlagsEXT::VALIDATION
                | vk::DebugUtilsMessageTypeFlagsEXT::PERFORMANCE,
        )
        .pfn_user_callback(Some(debug_callback))
}

impl Vulkan {
    /// Loads libvulkan and creates an instance; Err(reason) means "no Vulkan
    /// here" (zero devices), never a plugin failure.
    pub fn load() -> Result<Vulkan, String> {
        VALIDATION_FATAL.store(
            std::env::var("FLAGHAL_VULKAN_VALIDATION_FATAL").is_ok_and(|v| !v.is_empty() && v != "0"),
            Ordering::SeqCst,
        );
        // SAFETY: loading the system Vulkan loader runs its initialisers,
        // which have no preconditions.
        let entry = unsafe { ash::Entry::load() }.map_err(|e| format!("cannot load libvulkan.so.1: {e}"))?;
        // SAFETY: a global command with no arguments.
        let version = unsafe { entry.try_enumerate_instance_version() }
            .map_err(|e| format!("vkEnumerateInstanceVersion failed: {e:?}"))?
            .unwrap_or(vk::API_VERSION_1_0);
        if version < vk::API_VERSION_1_2 {
            return Err(format!(
                "the Vulkan loader implements {}.{}, FlagHAL needs 1.2",
                vk::api_version_major(version),
                vk::api_version_minor(version)
            ));
        }
        // SAFETY: a global command; None means the implementation's extensions.
        let available = unsafe { entry.enumerate_instance_extension_properties(None) }
            .map_err(|e| format!("vkEnumerateInstanceExtensionProperties failed: {e:?}"))?;
        let has = |name: &CStr| available.iter().any(|p| p.extension_name_as_c_str().ok() == Some(name));
        let mut extensions = Vec::new();
        let debug_utils = has(ash::ext::debug_utils::NAME);
        if debug_utils {
            extensions.push(ash::ext::debug_utils::NAME.as_ptr());
        }
        let mut flags = vk::InstanceCreateFlags::empty();
        if has(ash::khr::portability_enumeration::NAME) {
            extensions.push(ash::khr::portability_enumeration::NAME.as_ptr());
            flags |= vk::InstanceCreateFlags::ENUMERATE_PORTABILITY_KHR;
        }
        let app = vk::ApplicationInfo::default()
            .application_name(c"flaghal")
            .engine_name(c"flaghal-plugin-vulkan")
            .api_version(vk::API_VERSION_1_3.min(version));
        let mut messenger = messenger_info();
        let mut info =
            vk::InstanceCreateInfo::default().application_info(&app).enabled_extension_names(&extensions).flags(flags);
        if debug_utils {
            info = info.push_next(&mut messenger);
        }
        // SAFETY: `info` and everything it points to live across the call.
        let instance =
            unsafe { entry.create_instance(&info, None) }.map_err(|e| format!("vkCreateInstance failed: {e:?}"))?;
        let messenger = if debug_utils {
            let loader = ash::ext::debug_utils::Instance::new(&entry, &instance);
            // SAFETY: a valid instance with VK_EXT_debug_utils enabled.
            unsafe { loader.create_debug_utils_messenger(&messenger_info(), None) }.ok()
        } else {
            None
        };
        Ok(Vulkan { entry, instance, _messenger: messenger })
    }
}
