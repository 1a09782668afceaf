//! Tuning of the binary's allocator (mimalloc, chosen in `main.rs`). Its default keeps freed pages for a
//! second before they go back to the kernel, which under a burst keeps a public server's footprint at its
//! peak: under 256 connections asking for 50-term pages the process peaked at about 125 MiB with the
//! default and about 100 MiB with a 10 ms delay, at the same requests per second (docs/performance.md).
//!
//! Committing arenas on demand (`MIMALLOC_ARENA_EAGER_COMMIT=0`) saves another 10 to 20 MiB, but only as
//! an environment variable: mimalloc reserves its first arena before `main` runs.

#[cfg(test)]
use libmimalloc_sys::mi_option_get;
use std::ffi::c_long;

use libmimalloc_sys::{mi_option_set, mi_option_t};

/// `mi_option_purge_delay` in mimalloc v3's `mimalloc.h`, in milliseconds (the Rust bindings list only the
/// options common to every mimalloc version); the test below checks it against its documented default.
const PURGE_DELAY: mi_option_t = 15;

/// Milliseconds freed memory waits before it is returned to the kernel (mimalloc v3's default is 1 000).
const PURGE_DELAY_MS: c_long = 10;

/// Sets the purge delay, unless `MIMALLOC_PURGE_DELAY` (read by mimalloc at start-up) has. Call it first
/// thing in `main`; mimalloc reads the delay each time it schedules a purge.
pub fn return_memory_promptly() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    // SAFETY: mimalloc's options are plain integers that it reads atomically; setting one is allowed at
    // any time from any thread, and the index is an option of the linked mimalloc (checked by a test).
    unsafe { mi_option_set(PURGE_DELAY, PURGE_DELAY_MS) };
}

/// The current value of a mimalloc option.
#[cfg(test)]
fn option(option: mi_option_t) -> c_long {
    // SAFETY: reading an option is allowed at any time from any thread.
    unsafe { mi_option_get(option) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_indices_name_the_options_we_mean() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            return;
        }
        // mimalloc v3's default (options.c), read before anything sets it (no other test does): were
        // the enum to move, the index would read another option.
        assert_eq!(option(PURGE_DELAY), 1000, "purge delay");
        return_memory_promptly();
        assert_eq!(option(PURGE_DELAY), PURGE_DELAY_MS);
    }
}
