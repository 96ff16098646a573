//! Command-line options. Pure parsing: `parse` takes the arguments and
//! returns what to do, or a message for the user.

use std::path::PathBuf;

pub const USAGE: &str = "\
usage: flaghal-conformance [options]

Certifies a FlagHAL plugin: runs the conformance tests against one device
through libflaghal.so and prints a verdict (CONFORMANT / NOT CONFORMANT).

  --plugin PATH            plugin library or manifest, loaded exclusively
                           (sets FLAGHAL_PLUGIN_FILES for the run)
  --device N               device ordinal to test (default 0)
  --filter GLOB[,GLOB..]   run only tests whose name matches
  --list                   list the tests (name, tag, group) and exit
  --junit FILE             write a JUnit XML report
  --json FILE              write the JSON certification report
  --require-device         finding no device is a failure
  --expectations FILE      known failures per plugin (docs/conformance.md)
  --run-expected-failures  run tests listed as expected failures too
  --kernel-pack DIR        reference kernels in another module format
  --timeout SECONDS        time limit per test (default 60)
  --max-timeouts N         give up after N tests timed out: the rest are
                           not run, the verdict is NOT CONFORMANT (default 3;
                           0 never gives up)
  --quiet                  print only failures, the summary and the verdict
  -h, --help               this text
";

#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub plugin: Option<PathBuf>,
    pub device: u32,
    pub filter: Option<String>,
    pub list: bool,
    pub junit: Option<PathBuf>,
    pub json: Option<PathBuf>,
    pub require_device: bool,
    pub expectations: Option<PathBuf>,
    pub run_expected_failures: bool,
    pub kernel_pack: Option<PathBuf>,
    pub timeout_seconds: f64,
    /// Timeouts after which the run stops (0: never).
    pub max_timeouts: usize,
    pub quiet: bool,
    /// Hidden: run these tests of one group in this process (the child side).
    pub run_group: Option<String>,
    pub run_tests: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            plugin: None,
            device: 0,
            filter: None,
            list: false,
            junit: None,
            json: None,
            require_device: false,
            expectations: None,
            run_expected_failures: false,
            kernel_pack: None,
            timeout_seconds: 60.0,
            max_timeouts: 3,
            quiet: false,
            run_group: None,
            run_tests: Vec::new(),
        }
    }
}

#[derive(Debug, PartialEq)]
pub enum Parsed {
    Run(Box<Options>),
    Help,
}

/// Parses the arguments after the program name.
pub fn parse<I: IntoIterator<Item = String>>(args: I) -> Result<Parsed, String> {
    let mut options = Options::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            inline.clone().or_else(|| args.next()).ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Parsed::Help),
            "--plugin" => options.plugin = Some(PathBuf::from(value("--plugin")?)),
            "--device" => {
                let v = value("--device")?;
                options.device = v.parse().map_err(|_| format!("--device: '{v}' is not a device ordinal"))?;
            }
            "--filter" => options.filter = Some(value("--filter")?),
            "--list" => options.list = true,
            "--junit" => options.junit = Some(PathBuf::from(value("--junit")?)),
            "--json" => options.json = Some(PathBuf::from(value("--json")?)),
            "--require-device" => options.require_device = true,
            "--expectations" => options.expectations = Some(PathBuf::from(value("--expectations")?)),
            "--run-expected-failures" => options.run_expected_failures = true,
            "--kernel-pack" => options.kernel_pack = Some(PathBuf::from(value("--kernel-pack")?)),
            "--timeout" => {
                let v = value("--timeout")?;
                let t: f64 = v.parse().map_err(|_| format!("--timeout: '{v}' is not a number of seconds"))?;
                if !(t > 0.0 && t.is_finite()) {
                    return Err(format!("--timeout: '{v}' must be a positive number of seconds"));
                }
                options.timeout_seconds = t;
            }
            "--max-timeouts" => {
                let v = value("--max-timeouts")?;
                options.max_timeouts = v.parse().map_err(|_| format!("--max-timeouts: '{v}' is not a count"))?;
            }
            "--quiet" => options.quiet = true,
            "--run-group" => options.run_group = Some(value("--run-group")?),
            "--tests" => {
                options.run_tests = value("--tests")?.split(',').filter(|s| !s.is_empty()).map(String::from).collect()
            }
            other => return Err(format!("unknown option '{other}' (see --help)")),
        }
    }
    Ok(Parsed::Run(Box::new(options)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn options_parse() {
        let Parsed::Run(o) =
            parse(args(&["--plugin", "/p/x.so", "--device=2", "--filter", "abi.*", "--timeout", "5", "--list"]))
                .unwrap()
        else {
            panic!()
        };
        assert_eq!(o.plugin, Some(PathBuf::from("/p/x.so")));
        assert_eq!(o.device, 2);
        assert_eq!(o.filter.as_deref(), Some("abi.*"));
        assert_eq!(o.timeout_seconds, 5.0);
        assert!(o.list && !o.require_device);
    }

    #[test]
    fn bad_input_is_explained() {
        assert!(parse(args(&["--device", "x"])).unwrap_err().contains("--device"));
        assert!(parse(args(&["--timeout", "-1"])).unwrap_err().contains("positive"));
        assert!(parse(args(&["--json"])).unwrap_err().contains("needs a value"));
        assert!(parse(args(&["--bogus"])).unwrap_err().contains("unknown option"));
        assert_eq!(parse(args(&["-h"])).unwrap(), Parsed::Help);
    }
}
