//! The binary's allocator (mimalloc, made the global allocator in `main.rs`) and its tuning.
//!
//! [`Mimalloc`] asks mimalloc for a plain block (`mi_malloc`) whenever the block's natural alignment
//! serves, as the C code in the process does. The `mimalloc` crate's allocator asks for an aligned block
//! (`mi_malloc_aligned`) every time, and mimalloc v3 serves an aligned request from its fast path only
//! while the size's page has a free block at hand and, past that, over-allocates unless the rounded size
//! is a power of two (a 5-byte string took a 16-byte block instead of an 8-byte one), through its slow
//! path. Rust's allocations were 5% of a 50-term list page's instructions that way, 2% since
//! (docs/performance.md, "Plain blocks from mimalloc"; the same finding upstream:
//! purpleprotocol/mimalloc_rust#170).
//!
//! mimalloc's default keeps freed pages for a second before they go back to the kernel, which under a
//! burst keeps a public server's footprint at its peak: under 256 connections asking for 50-term pages
//! the process peaked at about 125 MiB with the default and about 100 MiB with a 10 ms delay, at the
//! same requests per second (docs/performance.md).
//!
//! Committing arenas on demand (`MIMALLOC_ARENA_EAGER_COMMIT=0`) saves another 10 to 20 MiB, but only as
//! an environment variable: mimalloc reserves its first arena before `main` runs.
//!
//! mimalloc also asks the kernel for transparent huge pages on its arenas (`madvise(MADV_HUGEPAGE)`), so
//! a 2 MiB page is resident as soon as one byte of it is touched. Under load half of the process's
//! anonymous memory was in huge pages, and with them switched off the peak RSS fell by a third to a half
//! at no cost in CPU per request (docs/performance.md). [`return_memory_promptly`] switches them off.

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::{c_long, c_void};

#[cfg(test)]
use libmimalloc_sys::mi_option_get;

use libmimalloc_sys::{
    mi_free, mi_malloc, mi_malloc_aligned, mi_option_set, mi_option_t, mi_realloc,
    mi_realloc_aligned, mi_zalloc, mi_zalloc_aligned,
};

/// mimalloc as a Rust global allocator: plain blocks where their natural alignment serves, aligned ones
/// for the rest.
pub struct Mimalloc;

/// The alignment of every `mi_malloc` block whose size is a multiple of it, up to mimalloc's
/// `MI_MAX_ALIGN_SIZE` (16 on 64-bit targets): size classes above 8 bytes are multiples of 16 and a page's
/// first block is 16-aligned, as C's `malloc` must be for any object that fits. A test checks it.
const NATURAL_ALIGN: usize = 16;

/// Whether a plain block of `size` bytes is aligned to `align` (a power of two).
#[inline]
fn naturally_aligned(size: usize, align: usize) -> bool {
    align <= NATURAL_ALIGN && size & (align - 1) == 0
}

// SAFETY: every block comes from mimalloc with at least the layout's size and alignment (plain blocks
// only where `naturally_aligned` holds), and is freed or resized by mimalloc, which takes plain and aligned
// blocks alike.
unsafe impl GlobalAlloc for Mimalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: mimalloc's allocation functions take any size and power-of-two alignment.
        unsafe {
            if naturally_aligned(layout.size(), layout.align()) {
                mi_malloc(layout.size()).cast()
            } else {
                mi_malloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as in `alloc`.
        unsafe {
            if naturally_aligned(layout.size(), layout.align()) {
                mi_zalloc(layout.size()).cast()
            } else {
                mi_zalloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: `ptr` came from this allocator, so from mimalloc.
        unsafe { mi_free(ptr.cast::<c_void>()) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from mimalloc; the new block keeps the layout's alignment as in `alloc`.
        unsafe {
            if naturally_aligned(new_size, layout.align()) {
                mi_realloc(ptr.cast::<c_void>(), new_size).cast()
            } else {
                mi_realloc_aligned(ptr.cast::<c_void>(), new_size, layout.align()).cast()
            }
        }
    }
}

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

    /// Every size up to 4 KiB and some larger, at every alignment from 1 to 4 096 bytes, with many
    /// blocks of a size alive at once so that pages fill and new ones start: each block is aligned as
    /// asked, holds its bytes (zeroed when asked), and keeps them and its alignment when resized.
    #[test]
    fn blocks_keep_the_alignment_asked() {
        let allocator = Mimalloc;
        let sizes = (1..=4096).chain([5_000, 65_536, 100_000, 1 << 20, 3 << 20]);
        for size in sizes {
            for align in [1, 2, 4, 8, 16, 32, 64, 4096] {
                let layout = Layout::from_size_align(size, align).unwrap();
                let count = if size <= 512 { 40 } else { 2 };
                let mut blocks = Vec::with_capacity(count);
                for n in 0..count {
                    // SAFETY: a layout of non-zero size; the block is written within its size.
                    unsafe {
                        let block = if n % 2 == 0 {
                            allocator.alloc(layout)
                        } else {
                            allocator.alloc_zeroed(layout)
                        };
                        assert!(!block.is_null());
                        assert_eq!(block as usize % align, 0, "size {size}, align {align}");
                        if n % 2 == 1 {
                            assert!((0..size).all(|at| *block.add(at) == 0), "zeroed");
                        }
                        block.write_bytes(0xA5, size);
                        blocks.push(block);
                    }
                }
                for (n, block) in blocks.into_iter().enumerate() {
                    let new_size = if n % 2 == 0 {
                        size * 3 + 7
                    } else {
                        size.div_ceil(2)
                    };
                    // SAFETY: `block` came from `alloc` with `layout`; the new size is non-zero and the
                    // resized block is read within the bytes it kept.
                    unsafe {
                        let resized = allocator.realloc(block, layout, new_size);
                        assert!(!resized.is_null());
                        assert_eq!(
                            resized as usize % align,
                            0,
                            "resized {size} to {new_size}, align {align}"
                        );
                        let kept = size.min(new_size);
                        assert!((0..kept).all(|at| *resized.add(at) == 0xA5), "bytes kept");
                        allocator
                            .dealloc(resized, Layout::from_size_align(new_size, align).unwrap());
                    }
                }
            }
        }
    }

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
