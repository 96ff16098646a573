//! `flaghal-fuzz [--calls N] [--seed S] [--skip OP,..]`: one seeded API-sequence run on
//! every device the loader finds (FLAGHAL_PLUGIN_FILES chooses the plugins;
//! FLAGHAL_VALIDATION=1 turns the validation layer on and widens the fuzzing
//! of device addresses to every device). Exit 0 with a summary line, 1 with
//! the broken invariant, 2 for bad usage. docs/reliability.md has the runs.

use flaghal_client::Hal;
use std::time::Instant;

fn main() {
    std::process::exit(match run() {
        Ok(()) => 0,
        Err((code, message)) => {
            eprintln!("flaghal-fuzz: {message}");
            code
        }
    })
}

fn run() -> Result<(), (i32, String)> {
    let mut config = flaghal_fuzz::Config { seed: 1, calls: 100_000, validation: false, skip: Vec::new() };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> Result<u64, (i32, String)> {
            let v = args.next().ok_or((2, format!("{name} needs a value")))?;
            v.replace('_', "").parse().map_err(|_| (2, format!("{name}: '{v}' is not a number")))
        };
        match arg.as_str() {
            "--calls" => config.calls = number("--calls")?,
            "--seed" => config.seed = number("--seed")?,
            "--skip" => {
                let list = args.next().ok_or((2, "--skip needs a list of operations".to_string()))?;
                for name in list.split(',').filter(|n| !n.is_empty()) {
                    if !flaghal_fuzz::OPS.iter().any(|(n, _, _)| *n == name) {
                        let known: Vec<&str> = flaghal_fuzz::OPS.iter().map(|(n, _, _)| *n).collect();
                        return Err((2, format!("--skip: no operation '{name}' (known: {})", known.join(", "))));
                    }
                    config.skip.push(name.to_string());
                }
            }
            "-h" | "--help" => {
                println!("usage: flaghal-fuzz [--calls N (default 100000)] [--seed S (default 1)] [--skip OP,OP..]");
                return Ok(());
            }
            other => return Err((2, format!("unknown argument '{other}' (see --help)"))),
        }
    }
    config.validation = std::env::var("FLAGHAL_VALIDATION").is_ok_and(|v| v.trim() == "1");
    let hal = Hal::open().map_err(|e| (2, e))?;
    let started = Instant::now();
    let report = flaghal_fuzz::run(&hal, config.clone()).map_err(|e| (1, e))?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "flaghal-fuzz: seed {}: {} calls ({} refused as documented), {} bytes round-tripped, on {}; no invariant broken, nothing leaked; {seconds:.1} s ({:.0} calls/s)",
        config.seed,
        report.calls,
        report.refused,
        report.bytes_checked,
        report.devices.join(", "),
        report.calls as f64 / seconds
    );
    Ok(())
}
