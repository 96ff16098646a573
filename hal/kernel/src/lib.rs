//! `flaghal-kernel`: one kernel source, every FlagHAL device.
//!
//! A kernel written once in the FlagHAL kernel language
//! (`include/flaghal/flaghal_kernel.h`, docs/kernels.md) builds into:
//! - SPIR-V under the FlagHAL SPIR-V convention ([`spirv_build`], glslc),
//! - a native CPU module ([`native_build`], the host C compiler),
//! - OpenCL C source ([`opencl_build`], the host C preprocessor),
//! - PTX for NVIDIA GPUs ([`cuda_build`], clang's CUDA mode, no toolkit),
//! - and a module bundle holding both with a kernel table of parameter sizes
//!   ([`Build::bundle`]), which fhModuleLoadData loads on any device that runs
//!   one of its images.
//!
//! Repositories commit the SPIR-V and PTX of their kernels ([`committed`]): a
//! plain `cargo build` then needs only a C compiler, and a test regenerates
//! them with glslc and clang and fails when they drift.
//!
//! The binary (`src/main.rs`) is the command line over this library; build
//! scripts call the library directly.

pub mod committed;
pub mod cuda_build;
pub mod native_build;
pub mod opencl_build;
pub mod source;
pub mod spirv_build;
pub mod tools;

use flaghal_formats::bundle::{self, Writer};
use flaghal_sys as sys;
use source::KernelSource;
use spirv_build::{Params, SpirvKernel};
use std::path::{Path, PathBuf};
use tools::Tools;

/// Where the SPIR-V and PTX images of a build come from (the images whose
/// compilers a plain build does without: glslc, clang).
#[derive(Debug, Clone)]
pub enum SpirvFrom {
    /// Compile each source with glslc and clang.
    Compile,
    /// Take `<kernel>.spv` (and `<kernel>.ptx`, where it exists) from this
    /// directory.
    Directory(PathBuf),
    /// Take each kernel's committed SPIR-V and PTX from `spirv/<kernel>.spv`
    /// and `ptx/<kernel>.ptx` beside its source (see [`committed`]).
    Committed,
    /// Build neither.
    Skip,
}

/// How to build: the FlagHAL include directory, the tools, a scratch
/// directory, extra C compiler flags, plain C sources of native-only kernels
/// (flaghal_cpu_kernel.h) to link into the native CPU image, and whether
/// bundles get an OpenCL C image (they do unless told otherwise).
#[derive(Debug, Clone)]
pub struct Build {
    pub include: PathBuf,
    pub tools: Tools,
    pub work: PathBuf,
    pub cflags: Vec<String>,
    pub native_c: Vec<PathBuf>,
    pub opencl_c: bool,
    /// Bundles get a PTX image (unless told otherwise).
    pub ptx: bool,
}

/// One kernel of a built module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KernelInfo {
    pub name: String,
    pub params: Option<Params>,
}

/// What a build produced.
#[derive(Debug, Clone)]
pub struct Built {
    pub bundle: Vec<u8>,
    pub spirv: Option<Vec<u8>>,
    pub native: Option<Vec<u8>>,
    pub opencl_c: Option<Vec<u8>>,
    pub ptx: Option<Vec<u8>>,
    pub kernels: Vec<KernelInfo>,
}

/// The FlagHAL include directory: $FLAGHAL_INCLUDE, else `../include` beside
/// this program (an install), else the source tree this tool was built from.
pub fn default_include() -> PathBuf {
    if let Some(dir) = std::env::var_os("FLAGHAL_INCLUDE") {
        return dir.into();
    }
    let has_header = |dir: &Path| dir.join("flaghal/flaghal_kernel.h").is_file();
    if let Some(installed) = std::env::current_exe().ok().and_then(|exe| Some(exe.parent()?.parent()?.join("include"))) {
        if has_header(&installed) {
            return installed;
        }
    }
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../include"))
}

/// Reads and scans a kernel source.
pub fn read_source(path: &Path) -> Result<KernelSource, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let absolute = std::path::absolute(path).map_err(|e| format!("{}: {e}", path.display()))?;
    source::scan(&absolute, &text)
}

impl Build {
    /// A build with the default include directory and tools, in `work`.
    pub fn new(work: &Path) -> Build {
        Build {
            include: default_include(),
            tools: Tools::from_env(),
            work: work.to_path_buf(),
            cflags: Vec::new(),
            native_c: Vec::new(),
            opencl_c: true,
            ptx: true,
        }
    }

    fn scratch(&self) -> Result<&Path, String> {
        std::fs::create_dir_all(&self.work).map_err(|e| format!("cannot create {}: {e}", self.work.display()))?;
        Ok(&self.work)
    }

    /// The SPIR-V of one kernel, compiled with glslc.
    pub fn spirv(&self, source: &KernelSource) -> Result<SpirvKernel, String> {
        spirv_build::compile(source, &self.include, &self.tools, self.scratch()?)
    }

    /// The PTX of one kernel, compiled with clang.
    pub fn ptx(&self, source: &KernelSource) -> Result<Vec<u8>, String> {
        cuda_build::compile(source, &self.include, &self.tools, self.scratch()?)
    }

    /// The PTX units of `kernels` as `spirv` says where they come from; None
    /// when there is to be no PTX image.
    fn ptx_units(&self, kernels: &[KernelSource], spirv: &SpirvFrom) -> Result<Option<Vec<Vec<u8>>>, String> {
        if !self.ptx {
            return Ok(None);
        }
        let mut units = Vec::new();
        for k in kernels {
            let path = match spirv {
                SpirvFrom::Skip => return Ok(None),
                SpirvFrom::Compile => {
                    units.push(self.ptx(k)?);
                    continue;
                }
                SpirvFrom::Directory(dir) => {
                    let path = dir.join(format!("{}.ptx", k.name));
                    if !path.is_file() {
                        return Ok(None);
                    }
                    path
                }
                SpirvFrom::Committed => {
                    k.path.parent().unwrap_or(Path::new(".")).join(committed::PTX_DIR).join(format!("{}.ptx", k.name))
                }
            };
            let text = std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            cuda_build::check(k, &text)?;
            units.push(text);
        }
        Ok(Some(units))
    }

    /// Builds `sources` (one kernel each) into a bundle with a SPIR-V image
    /// (unless `spirv` is Skip), when `native` a native CPU image for this
    /// host, and when `self.opencl_c` an OpenCL C image.
    pub fn bundle(&self, sources: &[PathBuf], spirv: &SpirvFrom, native: bool) -> Result<Built, String> {
        let work = self.scratch()?;
        let kernels: Vec<KernelSource> = sources.iter().map(|p| read_source(p)).collect::<Result<_, _>>()?;
        if kernels.is_empty() {
            return Err("no kernel sources given".into());
        }
        for (i, k) in kernels.iter().enumerate() {
            if let Some(other) = kernels[..i].iter().find(|o| o.name == k.name) {
                return Err(format!("{} and {} both define kernel {:?}", other.path.display(), k.path.display(), k.name));
            }
        }
        let mut images: Vec<SpirvKernel> = Vec::new();
        for k in &kernels {
            match spirv {
                SpirvFrom::Compile => images.push(self.spirv(k)?),
                SpirvFrom::Directory(_) | SpirvFrom::Committed => {
                    let dir = match spirv {
                        SpirvFrom::Directory(dir) => dir.clone(),
                        _ => k.path.parent().unwrap_or(Path::new(".")).join(committed::SPIRV_DIR),
                    };
                    let path = dir.join(format!("{}.spv", k.name));
                    let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                    let params = spirv_build::reflect(k, &bytes)?;
                    images.push(SpirvKernel { bytes, params });
                }
                SpirvFrom::Skip => {}
            }
        }
        let params = |i: usize| images.get(i).map(|s| s.params.clone());
        let spirv_image = if images.is_empty() {
            None
        } else {
            let parts: Vec<Vec<u8>> = images.iter().map(|s| s.bytes.clone()).collect();
            Some(spirv_build::link(&parts, &self.tools, work)?)
        };
        let native_image = if native {
            let mut objects = kernels
                .iter()
                .enumerate()
                .map(|(i, k)| native_build::compile(k, params(i).as_ref(), &self.include, &self.tools, &self.cflags, work))
                .collect::<Result<Vec<_>, _>>()?;
            for (i, c) in self.native_c.iter().enumerate() {
                objects.push(native_build::compile_c(c, i, &self.include, &self.tools, &self.cflags, work)?);
            }
            Some(native_build::link(&objects, &self.tools, work)?)
        } else {
            None
        };
        let opencl_image = if self.opencl_c { Some(opencl_build::image(&kernels, &self.include, &self.tools)?) } else { None };
        let ptx_image = self.ptx_units(&kernels, spirv)?.map(|units| cuda_build::image(&units));
        let infos: Vec<KernelInfo> =
            kernels.iter().enumerate().map(|(i, k)| KernelInfo { name: k.name.clone(), params: params(i) }).collect();
        let mut writer = Writer::new();
        if let Some(bytes) = &spirv_image {
            writer.image(sys::FH_MODULE_FORMAT_SPIRV, Some("vulkan1.2"), bytes.clone());
        }
        if let Some(bytes) = &native_image {
            let target = bundle::host_target().ok_or("this host has no native CPU bundle target")?;
            writer.image(sys::FH_MODULE_FORMAT_NATIVE_CPU, Some(target), bytes.clone());
        }
        if let Some(bytes) = &opencl_image {
            writer.image(sys::FH_MODULE_FORMAT_OPENCL_C, None, bytes.clone());
        }
        if let Some(bytes) = &ptx_image {
            writer.image(sys::FH_MODULE_FORMAT_PTX, Some(cuda_build::GPU_ARCH), bytes.clone());
        }
        for info in &infos {
            writer.kernel(&info.name, info.params.as_ref().map_or(0, |p| p.size));
        }
        Ok(Built {
            bundle: writer.to_bytes()?,
            spirv: spirv_image,
            native: native_image,
            opencl_c: opencl_image,
            ptx: ptx_image,
            kernels: infos,
        })
    }
}
