//! Section 6 of the table: Start-up, in child processes: fhInit to a first usable device (a
//! created stream on the Vulkan device) versus vkCreateInstance +
//! vkCreateDevice alone (including loading libvulkan, which the plugin also
//! does inside fhInit). libflaghal.so itself is loaded before the clock
//! starts, as a framework linking it would have it loaded at exec.

use crate::child::spawn_ms;
use crate::measure::{pair, Plan};
use crate::paths::{built_library, plugin_names, VULKAN_PLUGIN};
use crate::row::Better;
use crate::suite::{Label, Suite};
use serde_json::json;

const GROUP: &str = "6. start-up (child processes)";

pub fn run(s: &mut Suite) -> Result<(), String> {
    if s.vulkan.is_none() {
        s.skip("start-up", "no Vulkan device");
        return Ok(());
    }
    let plan = s.plan(Plan { warmup: 1, reps: 9 }, Plan { warmup: 0, reps: 2 });
    let vulkan_only = built_library(VULKAN_PLUGIN)?.display().to_string();
    let all = std::env::var("FLAGHAL_PLUGIN_FILES").unwrap_or_default();
    let all_label = format!("all plugins ({})", plugin_names(&all));
    for (what, files) in [("vulkan plugin only", vulkan_only.as_str()), (all_label.as_str(), all.as_str())] {
        let env = [("FLAGHAL_PLUGIN_FILES", files)];
        let result = pair(plan, || spawn_ms("startup-flaghal", &env), || spawn_ms("startup-vulkan", &[]))?;
        s.add(
            Label {
                group: GROUP,
                name: format!("fhInit -> stream on the Vulkan device, {what}"),
                baseline: "libvulkan load + vkCreateInstance + vkCreateDevice",
                unit: "ms",
                better: Better::Lower,
            },
            result,
            json!({"plugins": files}),
            None,
        );
    }
    Ok(())
}
