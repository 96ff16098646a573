//! Pure: the global device order and FLAGHAL_VISIBLE_DEVICES.
//!
//! Default order: devices that are not CPUs first, then CPUs; within each
//! group, plugins in load order, then each plugin's own device order.
//!
//! FLAGHAL_VISIBLE_DEVICES is a comma list; each entry is a global ordinal
//! in the default order (`0`), `name:index` (device `index` of plugin
//! `name`) or `name` (all of that plugin's devices, in its order). The result
//! follows the list order with duplicates dropped; an invalid entry is
//! reported and ignored; a value that is empty (or only blanks) hides every
//! device.

/// What the order is decided on, for one device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceKey {
    pub plugin_name: String,
    /// Position of the plugin in load order.
    pub plugin_rank: usize,
    /// Index of the device within its plugin.
    pub device_index: u32,
    pub is_cpu: bool,
}

/// Indices into `devices`, in the default global order.
pub fn default_order(devices: &[DeviceKey]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..devices.len()).collect();
    order.sort_by_key(|&i| (devices[i].is_cpu, devices[i].plugin_rank, devices[i].device_index));
    order
}

/// Applies a FLAGHAL_VISIBLE_DEVICES value to `ordered` (devices already in
/// the default order). Returns positions into `ordered` and one message per
/// invalid entry.
pub fn apply_visible(spec: &str, ordered: &[DeviceKey]) -> (Vec<usize>, Vec<String>) {
    let mut chosen: Vec<usize> = Vec::new();
    let mut errors = Vec::new();
    for entry in spec.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        match resolve_entry(entry, ordered) {
            Ok(positions) => {
                for p in positions {
                    if !chosen.contains(&p) {
                        chosen.push(p);
                    }
                }
            }
            Err(message) => errors.push(format!("FLAGHAL_VISIBLE_DEVICES entry \"{entry}\": {message}; ignored")),
        }
    }
    (chosen, errors)
}

fn resolve_entry(entry: &str, ordered: &[DeviceKey]) -> Result<Vec<usize>, String> {
    if entry.bytes().all(|b| b.is_ascii_digit()) {
        let ordinal: usize = entry.parse().map_err(|_| "ordinal too large".to_string())?;
        return if ordinal < ordered.len() {
            Ok(vec![ordinal])
        } else {
            Err(format!("ordinal {ordinal} is out of range (there are {} devices)", ordered.len()))
        };
    }
    if let Some((name, index)) = entry.split_once(':') {
        let index: u32 = index.trim().parse().map_err(|_| format!("\"{index}\" is not a device index"))?;
        let name = name.trim();
        return ordered
            .iter()
            .position(|d| d.plugin_name == name && d.device_index == index)
            .map(|p| vec![p])
            .ok_or_else(|| format!("plugin \"{name}\" has no device {index}"));
    }
    let positions: Vec<usize> = (0..ordered.len()).filter(|&p| ordered[p].plugin_name == entry).collect();
    if positions.is_empty() {
        Err(format!("no loaded plugin \"{entry}\" with devices"))
    } else {
        let mut positions = positions;
        positions.sort_by_key(|&p| ordered[p].device_index);
        Ok(positions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str, rank: usize, index: u32, is_cpu: bool) -> DeviceKey {
        DeviceKey { plugin_name: name.into(), plugin_rank: rank, device_index: index, is_cpu }
    }

    /// cpu loaded first, then vulkan with a GPU and a software (CPU-type) device.
    fn sample() -> Vec<DeviceKey> {
        vec![key("cpu", 0, 0, true), key("vulkan", 1, 0, false), key("vulkan", 1, 1, true), key("acme", 2, 0, false)]
    }

    fn ordered() -> Vec<DeviceKey> {
        let s = sample();
        default_order(&s).into_iter().map(|i| s[i].clone()).collect()
    }

    #[test]
    fn non_cpu_devices_come_first_then_load_order_then_plugin_order() {
        assert_eq!(default_order(&sample()), [1, 3, 0, 2]);
        let d = vec![key("b", 1, 1, false), key("b", 1, 0, false), key("a", 0, 0, false)];
        assert_eq!(default_order(&d), [2, 1, 0]);
    }

    #[test]
    fn visible_devices_select_reorder_and_drop_duplicates() {
        let o = ordered(); // vulkan:0, acme:0, cpu:0, vulkan:1
        assert_eq!(apply_visible("2,0", &o), (vec![2, 0], vec![]));
        assert_eq!(apply_visible("cpu:0, vulkan:1", &o), (vec![2, 3], vec![]));
        assert_eq!(apply_visible("vulkan", &o), (vec![0, 3], vec![]));
        assert_eq!(apply_visible("1,acme,vulkan:0,0", &o), (vec![1, 0], vec![]));
    }

    #[test]
    fn set_but_empty_hides_every_device() {
        assert_eq!(apply_visible("", &ordered()), (vec![], vec![]));
        assert_eq!(apply_visible(" , ", &ordered()), (vec![], vec![]));
    }

    #[test]
    fn invalid_entries_are_reported_and_ignored() {
        let (chosen, errors) = apply_visible("9,nope,cpu:7,cpu:x,99999999999999999999999,1", &ordered());
        assert_eq!(chosen, [1]);
        assert_eq!(errors.len(), 5, "{errors:?}");
        assert!(errors[0].contains("ordinal 9 is out of range (there are 4 devices)"));
        assert!(errors[1].contains("no loaded plugin \"nope\""));
        assert!(errors[2].contains("plugin \"cpu\" has no device 7"));
        assert!(errors[3].contains("\"x\" is not a device index"));
        assert!(errors[4].contains("too large"));
    }
}
