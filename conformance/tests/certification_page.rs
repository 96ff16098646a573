//! docs/certification/README.md is exactly what `flaghal-certification`
//! generates from the committed reports (and every report there is listed).

#[test]
fn the_committed_certification_page_matches_the_committed_reports() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/certification");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_flaghal-certification"))
        .arg("--check")
        .arg(&dir)
        .output()
        .expect("run flaghal-certification");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
