//! The parent side: runs each test group in a child process (this binary
//! re-executed with `--run-group`), with a per-test time limit, so a crash
//! or a hang inside a vendor plugin becomes a `crash` or `timeout` result
//! and the run goes on with the group's remaining tests in a fresh child.

use crate::options::Options;
use crate::outcome::Status;
use crate::record::{parse_line, Line};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One finished test as a child reported it (or as the parent concluded).
#[derive(Debug, Clone)]
pub struct Finished {
    pub name: String,
    pub status: Status,
    pub message: String,
    pub duration_ms: f64,
}

/// The child command for `group` and `tests`, with the plugin loaded exclusively.
fn command(options: &Options, group: &str, tests: &[String]) -> Command {
    let exe = std::env::current_exe().unwrap_or_else(|_| "flaghal-conformance".into());
    let mut cmd = Command::new(exe);
    cmd.arg("--run-group").arg(group).arg("--device").arg(options.device.to_string());
    if !tests.is_empty() {
        cmd.arg("--tests").arg(tests.join(","));
    }
    if let Some(dir) = &options.kernel_pack {
        cmd.arg("--kernel-pack").arg(dir);
    }
    if let Some(plugin) = &options.plugin {
        let absolute = std::fs::canonicalize(plugin).unwrap_or_else(|_| plugin.clone());
        cmd.env("FLAGHAL_PLUGIN_FILES", absolute);
    }
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd
}

enum Event {
    Line(String),
    Eof,
}

struct Running {
    child: Child,
    lines: Receiver<Event>,
    stderr: Arc<Mutex<VecDeque<String>>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        crate::signals::untrack(&self.child);
    }
}

fn spawn(mut cmd: Command) -> Result<Running, String> {
    crate::signals::prepare(&mut cmd);
    let mut child = cmd.spawn().map_err(|e| format!("cannot start the test process: {e}"))?;
    crate::signals::track(&child);
    let (tx, rx) = channel();
    let stdout = child.stdout.take().ok_or("no stdout pipe")?;
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            match line {
                Ok(l) => {
                    if tx.send(Event::Line(l)).is_err() {
                        return;
                    }
                }
                Err(_) => break,
            }
        }
        let _ = tx.send(Event::Eof);
    });
    let stderr = Arc::new(Mutex::new(VecDeque::new()));
    if let Some(mut pipe) = child.stderr.take() {
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let mut text = Vec::new();
            let mut buf = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                text.extend_from_slice(&buf[..n]);
                while let Some(pos) = text.iter().position(|b| *b == b'\n') {
                    let line = String::from_utf8_lossy(&text[..pos]).into_owned();
                    text.drain(..=pos);
                    let mut tail = sink.lock().unwrap_or_else(|e| e.into_inner());
                    tail.push_back(line);
                    if tail.len() > 8 {
                        tail.pop_front();
                    }
                }
            }
        });
    }
    Ok(Running { child, lines: rx, stderr })
}

/// Describes how a child ended (signal name or exit code).
pub fn describe_exit(status: &ExitStatus) -> String {
    if let Some(signal) = status.signal() {
        let name = match signal {
            4 => "SIGILL",
            6 => "SIGABRT",
            7 => "SIGBUS",
            8 => "SIGFPE",
            9 => "SIGKILL",
            11 => "SIGSEGV",
            15 => "SIGTERM",
            _ => "signal",
        };
        format!("killed by {name} ({signal})")
    } else {
        format!("exited with code {}", status.code().unwrap_or(-1))
    }
}

fn stderr_tail(r: &Running) -> String {
    let tail = r.stderr.lock().unwrap_or_else(|e| e.into_inner());
    if tail.is_empty() {
        String::new()
    } else {
        format!("; stderr: {}", tail.iter().cloned().collect::<Vec<_>>().join(" | "))
    }
}

/// Runs `tests` of `group`, restarting the child after a crash or timeout.
/// `on_result` is called as each test finishes (for progress output); when
/// it returns false the group stops once the current child is gone, and the
/// tests not started are left out of the result.
pub fn run_group(options: &Options, group: &str, tests: &[String], on_result: &mut dyn FnMut(&Finished) -> bool) -> Vec<Finished> {
    let limit = Duration::from_secs_f64(options.timeout_seconds);
    let mut pending: VecDeque<String> = tests.iter().cloned().collect();
    let mut done = Vec::new();
    let go_on = std::cell::Cell::new(true);
    let mut finish = |f: Finished, done: &mut Vec<Finished>| {
        if !on_result(&f) {
            go_on.set(false);
        }
        done.push(f);
    };
    while !pending.is_empty() && go_on.get() {
        let batch: Vec<String> = if group == "init" { vec![pending[0].clone()] } else { pending.iter().cloned().collect() };
        let mut running = match spawn(command(options, group, &batch)) {
            Ok(r) => r,
            Err(e) => {
                for name in pending.drain(..) {
                    finish(Finished { name, status: Status::Fail, message: e.clone(), duration_ms: 0.0 }, &mut done);
                }
                break;
            }
        };
        let mut current: Option<(String, Instant)> = None;
        let mut last_activity = Instant::now();
        loop {
            let wait = match &current {
                Some((_, started)) => limit.saturating_sub(started.elapsed()),
                None => (limit + Duration::from_secs(30)).saturating_sub(last_activity.elapsed()),
            };
            match running.lines.recv_timeout(wait.max(Duration::from_millis(1))) {
                Ok(Event::Line(line)) => {
                    last_activity = Instant::now();
                    match parse_line(&line) {
                        Line::Start(name) => current = Some((name, Instant::now())),
                        Line::Result { name, status, message, duration_ms } => {
                            pending.retain(|p| *p != name);
                            current = None;
                            finish(Finished { name, status, message, duration_ms }, &mut done);
                        }
                        Line::Fatal(message) => {
                            for name in batch.iter().filter(|n| pending.contains(n)) {
                                finish(Finished { name: name.clone(), status: Status::Fail, message: format!("test process could not start: {message}"), duration_ms: 0.0 }, &mut done);
                            }
                            pending.retain(|p| !batch.contains(p));
                            current = None;
                        }
                        Line::Probe(_) | Line::Other(_) => {}
                    }
                }
                Ok(Event::Eof) | Err(RecvTimeoutError::Disconnected) => {
                    let status = running.child.wait().map(|s| describe_exit(&s)).unwrap_or_else(|e| e.to_string());
                    if let Some((name, started)) = current.take() {
                        pending.retain(|p| *p != name);
                        let message = format!("test process {status} while running this test{}", stderr_tail(&running));
                        finish(Finished { name, status: Status::Crash, message, duration_ms: started.elapsed().as_secs_f64() * 1000.0 }, &mut done);
                    } else {
                        // The child ended between tests without reporting the rest of its batch.
                        let unreported: Vec<String> = batch.iter().filter(|n| pending.contains(n)).cloned().collect();
                        for name in unreported {
                            pending.retain(|p| *p != name);
                            let message = format!("test process {status} before running this test{}", stderr_tail(&running));
                            finish(Finished { name, status: Status::Crash, message, duration_ms: 0.0 }, &mut done);
                        }
                    }
                    break;
                }
                Err(RecvTimeoutError::Timeout) => {
                    let _ = running.child.kill();
                    let _ = running.child.wait();
                    match current.take() {
                        Some((name, started)) => {
                            pending.retain(|p| *p != name);
                            let message = format!("no result after {:.0} s (--timeout); the test process was killed{}", options.timeout_seconds, stderr_tail(&running));
                            finish(Finished { name, status: Status::Timeout, message, duration_ms: started.elapsed().as_secs_f64() * 1000.0 }, &mut done);
                        }
                        None => {
                            for name in batch.iter().filter(|n| pending.contains(n)).cloned().collect::<Vec<_>>() {
                                pending.retain(|p| *p != name);
                                finish(Finished { name, status: Status::Timeout, message: "the test process hung outside any test and was killed".into(), duration_ms: 0.0 }, &mut done);
                            }
                        }
                    }
                    break;
                }
            }
        }
    }
    done
}

/// Runs the probe child: the loader, plugins and device under test as JSON.
pub fn probe(options: &Options) -> Result<serde_json::Value, String> {
    let mut running = spawn(command(options, crate::child::PROBE_GROUP, &[]))?;
    // The probe only initialises the library: it gets at least a minute even
    // when --timeout is short.
    let limit = Duration::from_secs_f64(options.timeout_seconds.max(60.0));
    let started = Instant::now();
    let mut result = Err("the probe process ended without describing the device".to_string());
    loop {
        match running.lines.recv_timeout(limit.saturating_sub(started.elapsed()).max(Duration::from_millis(1))) {
            Ok(Event::Line(line)) => match parse_line(&line) {
                Line::Probe(v) => result = Ok(v),
                Line::Fatal(m) => result = Err(m),
                _ => {}
            },
            Ok(Event::Eof) | Err(RecvTimeoutError::Disconnected) => {
                let status = running.child.wait().map(|s| describe_exit(&s)).unwrap_or_default();
                if result.is_err() {
                    result = result.map_err(|m| format!("{m} (probe process {status}{})", stderr_tail(&running)));
                }
                return result;
            }
            Err(RecvTimeoutError::Timeout) => {
                let _ = running.child.kill();
                let _ = running.child.wait();
                return Err(format!("the probe process hung for {:.0} s and was killed", options.timeout_seconds));
            }
        }
    }
}
