//! Runs `flaghal-bench --smoke --json FILE --svg FILE` and checks that the
//! program works and its numbers are sane: every section produced rows,
//! every median, quartile, min and max is finite and non-zero, and the chart
//! has a line per copy series. No speed thresholds: nothing here is timed.

use std::path::PathBuf;
use std::process::Command;

fn out_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("flaghal-bench-smoke-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs flaghal-bench with `args` and extra environment on lavapipe; it
/// must succeed. Returns its stdout.
fn bench(args: &[&str], env: &[(&str, &str)]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_flaghal-bench"))
        .args(args)
        .env("MESA_SHADER_CACHE_DISABLE", "true")
        .env("VK_DRIVER_FILES", "/usr/share/vulkan/icd.d/lvp_icd.x86_64.json")
        .envs(env.iter().copied())
        .output()
        .expect("flaghal-bench runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "flaghal-bench {args:?} {env:?} failed\nstdout:\n{stdout}\nstderr:\n{stderr}");
    stdout
}

#[test]
fn smoke_run_writes_finite_non_zero_numbers_for_every_section() {
    let dir = out_dir();
    let json_path = dir.join("bench.json");
    let svg_path = dir.join("bench.svg");
    let stdout = bench(&["--smoke", "--json", json_path.to_str().unwrap(), "--svg", svg_path.to_str().unwrap()], &[]);

    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    assert_eq!(doc["mode"], "smoke");
    assert_eq!(doc["failures"].as_array().unwrap().len(), 0, "{}", doc["failures"]);
    let rows = doc["rows"].as_array().unwrap();
    let devices: Vec<&str> = doc["machine"]["devices"].as_array().unwrap().iter().map(|d| d.as_str().unwrap()).collect();
    let vulkan = devices.iter().any(|d| d.starts_with("vulkan"));
    let opencl = devices.iter().any(|d| d.starts_with("opencl"));
    // "N. " with the space: "1." would also match sections 10 to 12.
    let mut wanted = vec!["1. ", "4. ", "5. ", "7. ", "8. ", "10. ", "12. "];
    if vulkan {
        wanted.extend(["2. ", "3. ", "6. ", "11. "]);
    }
    if opencl {
        wanted.extend(["9.1 ", "9.2 ", "9.3 ", "9.4 ", "9.5 "]);
    }
    for section in wanted {
        assert!(
            rows.iter().any(|r| r["group"].as_str().unwrap().starts_with(section)),
            "no rows for section {section}; skipped: {}",
            doc["skipped"]
        );
    }
    for row in rows {
        for side in ["value", "baseline"] {
            for stat in ["median", "p25", "p75", "min", "max"] {
                let v = row[side][stat].as_f64().unwrap_or(f64::NAN);
                assert!(v.is_finite() && v > 0.0, "{} {side}.{stat} = {v} in {row}", row["name"]);
            }
        }
        let percent = row["percent_of_baseline"].as_f64().unwrap();
        assert!(percent.is_finite() && percent > 0.0, "{row}");
        assert!(stdout.contains(row["name"].as_str().unwrap()), "row {} missing from the printed table", row["name"]);
    }
    // The copy section has the CPU plugin's five cases at both smoke sizes.
    let cpu_copies = rows.iter().filter(|r| r["group"].as_str().unwrap().starts_with("4.") && r["params"]["plugin"] == "cpu").count();
    assert_eq!(cpu_copies, 10);
    if vulkan {
        assert!(rows.iter().any(|r| r["params"]["plugin"] == "vulkan staging"), "the forced-staging child produced no rows");
    }
    // The matmul section ran the bundle on every device (each product was
    // checked against the exact one, or the run would have failed), and
    // never the optional numpy baseline in smoke mode.
    let matmul = |device: &str| rows.iter().filter(|r| r["group"].as_str().unwrap().starts_with("8.") && r["params"]["device"] == device).count();
    assert!(matmul("cpu") >= 1, "no matmul row for the CPU plugin");
    if vulkan {
        assert!(matmul("vulkan") >= 1, "no matmul row for the Vulkan plugin");
    }
    assert!(!rows.iter().any(|r| r["baseline_name"].as_str().unwrap().starts_with("numpy")), "numpy ran in --smoke");
    // Section 12 ran the operator library's mul_mat on every device (each
    // product checked against the exact one).
    let ops_rows = |plugin: &str| {
        rows.iter().filter(|r| r["group"].as_str().unwrap().starts_with("12. ") && r["name"].as_str().unwrap().starts_with(plugin)).count()
    };
    assert!(ops_rows("cpu plugin") >= 1, "no ggml mul_mat row for the CPU plugin");
    if vulkan {
        assert!(ops_rows("vulkan plugin") >= 1, "no ggml mul_mat row for the Vulkan plugin");
    }
    if opencl {
        assert!(ops_rows("opencl plugin") >= 1, "no ggml mul_mat row for the OpenCL plugin");
    }
    // The OpenCL section beside raw OpenCL: both SVM grains' copies at both
    // smoke sizes, and the raw rows named as such; without an OpenCL device
    // it is skipped with a reason instead.
    if opencl {
        let copies = |plugin: &str| rows.iter().filter(|r| r["group"].as_str().unwrap().starts_with("9.4 ") && r["params"]["plugin"] == plugin).count();
        assert_eq!((copies("opencl"), copies("opencl coarse SVM")), (10, 10));
        for group in ["9.2 ", "9.3 ", "9.5 "] {
            assert!(
                rows.iter().any(|r| r["group"].as_str().unwrap().starts_with(group) && r["baseline_name"].as_str().unwrap().starts_with("raw OpenCL")),
                "no row of {group} against raw OpenCL"
            );
        }
    } else {
        let skipped = doc["skipped"].as_array().unwrap();
        assert!(skipped.iter().any(|s| s.as_str().unwrap().starts_with("OpenCL rows")), "no OpenCL device, and no reason given: {skipped:?}");
        assert!(stdout.contains("skipped: OpenCL rows"), "the reason is not printed");
    }
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    assert!(svg.matches("<polyline").count() >= 6, "memcpy + cpu's five series at least");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn without_an_opencl_platform_the_opencl_rows_are_skipped_with_the_reason() {
    // Not out_dir(): the smoke test removes that folder when it ends.
    let empty = std::env::temp_dir().join(format!("flaghal-bench-no-icds-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    // An ICD loader that finds no driver, and no ICD loader at all.
    let cases = [
        ("OCL_ICD_VENDORS", empty.to_str().unwrap(), "found no OpenCL platform"),
        ("FLAGHAL_OPENCL_LIBRARY", "/nonexistent/libOpenCL.so.1", "cannot load the OpenCL ICD loader"),
    ];
    for (variable, value, reason) in cases {
        let stdout = bench(&["--smoke", "--only", "9"], &[(variable, value)]);
        let line = stdout.lines().find(|l| l.starts_with("skipped: OpenCL rows")).unwrap_or_else(|| panic!("{variable}={value}: no skip line in\n{stdout}"));
        assert!(line.contains(reason), "{variable}={value}: the skip line does not say {reason:?}: {line}");
        assert!(!stdout.contains("== 9."), "{variable}={value}: OpenCL rows were printed anyway:\n{stdout}");
    }
    let _ = std::fs::remove_dir(&empty);
}

#[test]
fn bad_arguments_exit_with_status_2_and_say_why() {
    let output = Command::new(env!("CARGO_BIN_EXE_flaghal-bench")).arg("--bogus").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown argument"));
}
