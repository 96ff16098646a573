//! Command-line options (pure parsing).

use std::path::PathBuf;

pub const USAGE: &str = "\
usage: flaghal-bench [--smoke] [--json FILE] [--svg FILE] [--markdown FILE] [--only LIST]

Measures what FlagHAL costs on top of the native API, each row beside its
baseline in the same run (median of many alternating repetitions, spread =
half the interquartile range). Prints a table.

  --smoke          a short run (well under a minute) that checks the program
                   works and every number is sane; no speed thresholds
  --json FILE      also write every row (median, quartiles, min, max) as JSON
  --svg FILE       also draw the copy bandwidth chart (GB/s against size)
  --markdown FILE  also write the table as Markdown (docs/performance.md)
  --only LIST      run only these sections, e.g. 1,4 (1 calls, 2 launches
                   and 3 latency, 4 copies, 5 allocation, 6 start-up, 7 SAXPY,
                   8 matmul, whose numpy rows run when python3 has numpy,
                   never with --smoke; 9 the OpenCL device beside raw
                   OpenCL: calls, launches, copies, SAXPY; 10 the trace
                   layer, FLAGHAL_TRACE off and on; 11 copies between
                   devices of two plugins; 12 ggml mul_mat of the operator
                   library on every device beside numpy)

Environment: FLAGHAL_LIBRARY (libflaghal.so to test), FLAGHAL_PLUGIN_FILES
(default: the CPU, Vulkan and OpenCL plugins built beside this executable),
VK_DRIVER_FILES (pick the Vulkan driver, e.g. lavapipe), FLAGHAL_OPENCL_LIBRARY
(the OpenCL library both the plugin and the raw side open; default
libOpenCL.so.1), FLAGHAL_BENCH_PYTHON (the python whose numpy section 8
compares with; default python3).";

#[derive(Debug, Default, PartialEq)]
pub struct Options {
    pub smoke: bool,
    pub json: Option<PathBuf>,
    pub svg: Option<PathBuf>,
    pub markdown: Option<PathBuf>,
    /// Section numbers to run; empty = all.
    pub only: Vec<u32>,
    /// Internal: run as a child process in this mode.
    pub child: Option<String>,
    pub help: bool,
}

impl Options {
    pub fn runs(&self, section: u32) -> bool {
        self.only.is_empty() || self.only.contains(&section)
    }
}

pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Options, String> {
    let mut o = Options::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--smoke" => o.smoke = true,
            "--json" => o.json = Some(value("--json")?.into()),
            "--svg" => o.svg = Some(value("--svg")?.into()),
            "--markdown" => o.markdown = Some(value("--markdown")?.into()),
            "--child" => o.child = Some(value("--child")?),
            "--only" => {
                o.only = value("--only")?
                    .split(',')
                    .map(|s| match s.trim().parse::<u32>() {
                        Ok(n @ 1..=12) => Ok(n),
                        _ => Err(format!("--only: {s:?} is not a section number 1..12")),
                    })
                    .collect::<Result<_, _>>()?
            }
            "-h" | "--help" => o.help = true,
            other => return Err(format!("unknown argument {other:?}\n\n{USAGE}")),
        }
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn options_parse_and_sections_filter() {
        let o = parse(args(&["--smoke", "--json", "a.json", "--only", "1,4"])).unwrap();
        assert!(o.smoke);
        assert_eq!(o.json, Some(PathBuf::from("a.json")));
        assert!(o.runs(4) && !o.runs(2));
        assert!(parse(args(&[])).unwrap().runs(7));
    }

    #[test]
    fn bad_arguments_are_refused_with_a_reason() {
        assert!(parse(args(&["--json"])).unwrap_err().contains("needs a value"));
        assert!(parse(args(&["--only", "13"])).unwrap_err().contains("1..12"));
        assert!(parse(args(&["--only", "10"])).unwrap().runs(10));
        assert!(parse(args(&["--only", "9"])).unwrap().runs(9));
        assert!(parse(args(&["--fast"])).unwrap_err().contains("unknown argument"));
    }
}
