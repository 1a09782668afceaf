//! Tuning of the binary's allocator (mimalloc, chosen in `main.rs`). Its default keeps freed pages for a
//! second before they go back to the kernel, which under a burst keeps a public server's footprint at its
//! peak: under 256 connections asking for 50-term pages the process peaked at about 125 MiB with the
//! default and about 100 MiB with a 10 ms delay, at the same requests per second (docs/performance.md).
//!
//! Committing arenas on demand (`MIMALLOC_ARENA_EAGER_COMMIT=0`) saves another 10 to 20 MiB, but only as
//! an environment variable: mimalloc reserves its first arena before `main` runs.
//!
//! mimalloc also asks the kernel for transparent huge pages on its arenas (`madvise(MADV_HUGEPAGE)`), so
//! a 2 MiB page is resident as soon as one byte of it is touched. Under load half of the process's
//! anonymous memory was in huge pages, and with them switched off the peak RSS fell by a third to a half
//! at no cost in CPU per request (docs/performance.md). [`return_memory_promptly`] switches them off.

#[cfg(test)]
use libmimalloc_sys::mi_option_get;
use std::ffi::c_long;

use libmimalloc_sys::{mi_option_set, mi_option_t};

/// `mi_option_purge_delay` in mimalloc v3's `mimalloc.h`, in milliseconds (the Rust bindings list only the
/// options common to every mimalloc version); the test below checks it against its documented default.
const PURGE_DELAY: mi_option_t = 15;

/// `mi_option_allow_thp` in mimalloc v3's `mimalloc.h`: whether arenas are advised to use transparent huge
/// pages (default 1 on Linux); checked by the test below like [`PURGE_DELAY`].
const ALLOW_THP: mi_option_t = 43;

/// Milliseconds freed memory waits before it is returned to the kernel (mimalloc v3's default is 1 000).
const PURGE_DELAY_MS: c_long = 10;

/// Sets the purge delay, unless `MIMALLOC_PURGE_DELAY` (read by mimalloc at start-up) has, and switches
/// transparent huge pages off for the process, unless `MIMALLOC_ALLOW_THP` asks for them. Call it first
/// thing in `main`; mimalloc reads the delay each time it schedules a purge.
pub fn return_memory_promptly() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: mimalloc's options are plain integers that it reads atomically; setting one is allowed
        // at any time from any thread, and the index is an option of the linked mimalloc (checked by a
        // test).
        unsafe { mi_option_set(PURGE_DELAY, PURGE_DELAY_MS) };
    }
    if std::env::var_os("MIMALLOC_ALLOW_THP").is_none() {
        no_transparent_huge_pages();
    }
}

/// What mimalloc does at start-up when `MIMALLOC_ALLOW_THP=0`, done here because its first arena is
/// reserved (and advised to use huge pages) before `main`: later arenas are not advised, and the kernel
/// gives this process no huge page from now on, advised or not (`PR_SET_THP_DISABLE`, which wins over
/// `MADV_HUGEPAGE`). A kernel that refuses the flag leaves the process with huge pages, as before: nothing
/// else depends on it, and logging is not set up yet this early.
fn no_transparent_huge_pages() {
    // SAFETY: as above.
    unsafe { mi_option_set(ALLOW_THP, 0) };
    // SAFETY: `PR_SET_THP_DISABLE` takes a flag and three zeros and touches no memory of ours.
    #[cfg(target_os = "linux")]
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0)
    };
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
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some()
            || std::env::var_os("MIMALLOC_ALLOW_THP").is_some()
        {
            return;
        }
        // mimalloc v3's defaults (options.c), read before anything sets them (no other test does): were
        // the enum to move, an index would read another option.
        assert_eq!(option(PURGE_DELAY), 1000, "purge delay");
        assert_eq!(option(ALLOW_THP), 1, "allow THP");
        assert_eq!(
            option(ALLOW_THP + 1),
            0,
            "minimal purge size, the option after it"
        );
        return_memory_promptly();
        assert_eq!(option(PURGE_DELAY), PURGE_DELAY_MS);
        assert_eq!(option(ALLOW_THP), 0);
        // SAFETY: reads the process's flag.
        #[cfg(target_os = "linux")]
        let disabled = unsafe { libc::prctl(libc::PR_GET_THP_DISABLE, 0, 0, 0, 0) };
        #[cfg(target_os = "linux")]
        assert_eq!(disabled, 1, "the kernel gives the process no huge page");
    }
}
