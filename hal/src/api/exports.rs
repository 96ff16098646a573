//! How an exported function of flaghal.h is declared: once, by its name, in
//! the `exports!` block of its area's file. The name is written nowhere
//! else: the macro makes the `#[no_mangle]` symbol, the name the panic
//! boundary and every message report, and the file's entry in
//! [`super::EXPORTS`]. libflaghal.map exports `fh*`, and
//! hal/tests/exports.rs checks that the library's symbols, this list and
//! flaghal.h's declarations are one set.

/// Declares exported functions. For each `fn fhName(args) { body }` it makes
///
/// - `#[no_mangle] pub unsafe extern "C" fn fhName(args) -> fh_status_t`,
///   keeping the doc comments (each says its `# Safety`), whose body runs in
///   [`crate::failure::export`]: the one panic boundary, and the thread's
///   detail message on failure;
/// - inside the body, the constant `FUNCTION` = `"fhName"`, for
///   `call_plugin!` and the helpers that report a plugin's status under it;
/// - the file's `NAMES`: every name of the block, in order.
///
/// The body is the closure `export` runs, exactly as if written out, so the
/// success path stays a check and a jump (docs/performance.md).
macro_rules! exports {
    ($(
        $(#[$attr:meta])*
        fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $body:block
    )*) => {
        /// The exported functions this file declares, in order.
        pub const NAMES: &[&str] = &[$(stringify!($name)),*];
        $(
            $(#[$attr])*
            #[no_mangle]
            pub unsafe extern "C" fn $name($($arg: $ty),*) -> flaghal_sys::fh_status_t {
                const FUNCTION: &str = stringify!($name);
                $crate::failure::export(FUNCTION, || $body)
            }
        )*
    };
}
pub(crate) use exports;
