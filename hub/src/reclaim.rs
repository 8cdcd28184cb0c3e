//! Freeing big values off the requests' path. A province's report rows, or hundreds of
//! documents evicted from the cache, take tens of milliseconds to free, which no request need
//! wait for. One long-lived thread at the lowest priority (nice 19, per thread on Linux) drops
//! what it is sent: it takes the cores when requests leave them idle instead of slowing the next
//! request's checks, and under constant load it still gets its small share, so memory is always
//! given back.

use std::sync::mpsc::{channel, Sender};
use std::sync::{Mutex, OnceLock};

type Garbage = Box<dyn Send>;

/// The reclaim thread's inbox, started on first use.
fn inbox() -> Option<&'static Mutex<Sender<Garbage>>> {
    static INBOX: OnceLock<Option<Mutex<Sender<Garbage>>>> = OnceLock::new();
    INBOX
        .get_or_init(|| {
            let (tx, rx) = channel::<Garbage>();
            std::thread::Builder::new()
                .name("reclaim".into())
                .spawn(move || {
                    // Best effort: at the usual priority if the system refuses.
                    let _ = rustix::process::nice(19);
                    for garbage in rx {
                        drop(garbage);
                    }
                })
                .ok()
                .map(|_| Mutex::new(tx))
        })
        .as_ref()
}

/// Frees `value` on the reclaim thread (here, at once, if that thread could not be started).
pub fn later<T: Send + 'static>(value: T) {
    let garbage: Garbage = Box::new(value);
    match inbox() {
        Some(tx) => {
            let tx = tx.lock().unwrap_or_else(|p| p.into_inner());
            // A send fails only if the thread is gone; the value then drops here.
            let _ = tx.send(garbage);
        }
        None => drop(garbage),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    struct Flag(Arc<AtomicBool>);
    impl Drop for Flag {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    #[test]
    fn what_is_sent_is_freed_on_the_reclaim_thread() {
        let dropped = Arc::new(AtomicBool::new(false));
        later(Flag(dropped.clone()));
        let until = Instant::now() + Duration::from_secs(10);
        while !dropped.load(Ordering::SeqCst) {
            assert!(Instant::now() < until, "never freed");
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}
