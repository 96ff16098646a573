//! Finding plugin candidates: the environment snapshot, the ordered search
//! places, and the manifests and libraries found there.

pub mod environment;
pub mod manifest;
pub mod scan;
pub mod search_paths;
pub mod self_location;

use search_paths::Origin;
use std::path::PathBuf;

/// What a candidate file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CandidateKind {
    Manifest,
    Library,
}

/// One plugin to try, in load order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub path: PathBuf,
    pub kind: CandidateKind,
    pub origin: Origin,
}
