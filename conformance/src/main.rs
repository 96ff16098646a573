//! The `flaghal-conformance` command (see `--help` and docs/conformance.md).

fn main() {
    std::process::exit(flaghal_conformance::app::main());
}
