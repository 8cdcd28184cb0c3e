//! The hub's memory allocator: mimalloc, set up for a server with many short-lived requests on
//! a pool of blocking threads.
//!
//! By default mimalloc commits its arenas eagerly on Linux, and memory freed in an eagerly
//! committed arena stays resident. With the hub's 64 blocking threads, 300 offices syncing at
//! once left about 370 MB resident for no-op requests (sync bench scenario 6: 470 MB, against
//! 135 MB with arenas committed on demand). Committing on demand costs a page fault per page
//! first touched, which the hub's requests do not notice.
//!
//! The setting must be in place before mimalloc reserves its first arena, which happens at the
//! process's first allocation, before `main`: it is applied by a constructor
//! (`.init_array`), the way mimalloc reads its own environment variables at load time.

pub use mimalloc::MiMalloc;

/// `mi_option_arena_eager_commit` in mimalloc's `mi_option_e` (the same position, 4, in its
/// v2 and v3 headers; `libmimalloc-sys` does not name it).
const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;

/// Runs when the binary is loaded, before `main` and before any allocation by Rust code.
#[cfg(target_os = "linux")]
#[used]
#[link_section = ".init_array"]
static CONFIGURE_AT_LOAD: extern "C" fn() = configure_at_load;

#[cfg(target_os = "linux")]
extern "C" fn configure_at_load() {
    configure();
}

/// Applies the hub's allocator settings (also called by the constructor above; calling it
/// again is harmless). An explicit `MIMALLOC_ARENA_EAGER_COMMIT` in the environment wins.
pub fn configure() {
    if std::env::var_os("MIMALLOC_ARENA_EAGER_COMMIT").is_some() {
        return;
    }
    // SAFETY: `mi_option_set` stores an integer in mimalloc's static option table; it takes no
    // pointers and needs no initialisation (options not yet read are marked as set, and
    // mimalloc's own start-up then keeps them).
    unsafe { libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, 0) }
}
