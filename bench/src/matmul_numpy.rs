//! The optional numpy baseline of the matmul section: `python3` (or
//! $FLAGHAL_BENCH_PYTHON) running
//! src/matmul_numpy.py as a child process that stays alive for the whole
//! section and answers one command per line, so each numpy sample (timed
//! inside Python, `np.matmul(a, b, out=c)`, no pipe round trip) alternates
//! with a FlagHAL sample like every other row's baseline. numpy links
//! whatever BLAS the system provides (OpenBLAS or the reference BLAS); the
//! child reports both numpy's build configuration and the library it mapped.

use crate::matmul_host::Problem;
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

const SCRIPT: &str = include_str!("matmul_numpy.py");

pub struct Numpy {
    child: Child,
    /// None only while dropping (closing it ends the child).
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    /// What the child said about itself: numpy version, BLAS config and the
    /// BLAS library it loaded.
    pub info: Value,
}

impl Numpy {
    /// Starts the child. Ok(Err(why)) when python3 or numpy is missing (the
    /// rows are skipped, not failed).
    pub fn start() -> Result<Result<Numpy, String>, String> {
        let python = std::env::var_os("FLAGHAL_BENCH_PYTHON").unwrap_or_else(|| "python3".into());
        let mut command = Command::new(&python);
        command.args(["-c", SCRIPT]);
        // OpenBLAS's threads spin for ~2^28 cycles after each call (~80 ms
        // of CPU measured here), which would steal the cores from the
        // FlagHAL sample that follows; 4 makes them sleep at once, as the
        // CPU plugin's pool threads do. Its own timed call still includes
        // waking them. Kept when the caller sets it.
        if std::env::var_os("OPENBLAS_THREAD_TIMEOUT").is_none() {
            command.env("OPENBLAS_THREAD_TIMEOUT", "4");
        }
        let spawned = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn();
        let mut child = match spawned {
            Ok(c) => c,
            Err(e) => return Ok(Err(format!("cannot run {}: {e}", python.to_string_lossy()))),
        };
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err("python3 child without pipes".into());
        };
        let mut numpy = Numpy { child, stdin: Some(stdin), stdout: BufReader::new(stdout), info: Value::Null };
        let first = numpy.line()?;
        if let Some(why) = first.strip_prefix("missing ") {
            return Ok(Err(format!("{} has no numpy ({why}); FLAGHAL_BENCH_PYTHON picks another python", python.to_string_lossy())));
        }
        let info = first.strip_prefix("ready ").ok_or_else(|| format!("numpy child: unexpected first line {first:?}"))?;
        numpy.info = serde_json::from_str(info).map_err(|e| format!("numpy child: {e} in {info:?}"))?;
        Ok(Ok(numpy))
    }

    /// "numpy 1.24.2 (openblas-pthread/libopenblasp-r0.3.21.so)" for row
    /// names: the most specific BLAS library the child mapped (a BLAS behind
    /// the libblas.so.3 alternative rather than the alternative itself), as
    /// folder/file; the full list is in the JSON's machine.numpy.
    pub fn describe(&self) -> String {
        describe(&self.info)
    }

    fn line(&mut self) -> Result<String, String> {
        let mut line = String::new();
        let read = self.stdout.read_line(&mut line).map_err(|e| format!("numpy child: {e}"))?;
        if read == 0 {
            return Err("numpy child exited early (see its stderr above)".into());
        }
        Ok(line.trim_end().to_string())
    }

    fn ask(&mut self, command: &str, reply: &str) -> Result<f64, String> {
        let stdin = self.stdin.as_mut().ok_or("numpy child: stdin closed")?;
        writeln!(stdin, "{command}").and_then(|()| stdin.flush()).map_err(|e| format!("numpy child: {e}"))?;
        let line = self.line()?;
        line.strip_prefix(reply)
            .and_then(|v| v.trim().parse::<f64>().ok())
            .ok_or_else(|| format!("numpy child: {command:?} answered {line:?}"))
    }

    /// Builds the problem's inputs in the child and checks numpy's product
    /// against the exact one (by checksum).
    pub fn prepare(&mut self, p: &Problem) -> Result<(), String> {
        let got = self.ask(&format!("size {} {} {}", p.m, p.n, p.k), "checksum ")?;
        if got != p.checksum() {
            return Err(format!("numpy computed a wrong product ({}): checksum {got}, expected {}", p.shape(), p.checksum()));
        }
        Ok(())
    }

    /// Seconds of one product, timed in the child.
    pub fn run(&mut self) -> Result<f64, String> {
        self.ask("run", "seconds ")
    }
}

impl Drop for Numpy {
    fn drop(&mut self) {
        // Closing stdin ends the child's loop; wait for it so no zombie stays.
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

/// See [`Numpy::describe`].
pub fn describe(info: &Value) -> String {
    let loaded: Vec<&str> = info["blas_loaded"].as_array().map(|v| v.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
    let short = |path: &str| {
        let p = std::path::Path::new(path);
        let file = p.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
        match p.parent().and_then(|d| d.file_name()) {
            Some(dir) => format!("{}/{file}", dir.to_string_lossy()),
            None => file,
        }
    };
    let chosen = loaded.iter().rev().find(|p| !p.ends_with("/libblas.so.3")).or(loaded.last());
    let blas = chosen.map_or_else(|| "no BLAS library mapped".to_string(), |p| short(p));
    format!("numpy {} ({blas})", info["numpy"].as_str().unwrap_or("?"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_row_name_shows_the_blas_behind_the_alternative() {
        let openblas = json!({"numpy": "1.24.2", "blas_loaded": [
            "/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3",
            "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblasp-r0.3.21.so"]});
        assert_eq!(describe(&openblas), "numpy 1.24.2 (openblas-pthread/libopenblasp-r0.3.21.so)");
        let reference = json!({"numpy": "1.24.2", "blas_loaded": ["/usr/lib/x86_64-linux-gnu/blas/libblas.so.3"]});
        assert_eq!(describe(&reference), "numpy 1.24.2 (blas/libblas.so.3)");
        assert_eq!(describe(&json!({"numpy": "2.0", "blas_loaded": []})), "numpy 2.0 (no BLAS library mapped)");
    }
}
