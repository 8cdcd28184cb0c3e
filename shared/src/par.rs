//! An ordered parallel map over the machine's cores, for CPU work that is independent per item
//! (loading and checking documents, projecting them, decoding and counting report rows).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Most threads used.
const MAX_THREADS: usize = 8;

/// Threads worth using for `n` items (the cores, at most 8, at most `n`).
pub fn threads(n: usize) -> usize {
    std::thread::available_parallelism()
        .map(|t| t.get())
        .unwrap_or(1)
        .min(MAX_THREADS)
        .min(n)
}

/// Runs `f` on every item on as many threads as there are cores; results in the items' order.
/// A panic in `f` propagates to the caller (never a missing result).
pub fn map<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let n = items.len();
    let threads = threads(n);
    if threads <= 1 {
        return items.into_iter().map(f).collect();
    }
    let inputs: Vec<Mutex<Option<T>>> = items.into_iter().map(|t| Mutex::new(Some(t))).collect();
    let outputs: Vec<Mutex<Option<R>>> = (0..n).map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let work = || loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let (Some(input), Some(output)) = (inputs.get(i), outputs.get(i)) else {
            break;
        };
        let item = input.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(item) = item {
            let r = f(item);
            *output.lock().unwrap_or_else(|p| p.into_inner()) = Some(r);
        }
    };
    std::thread::scope(|s| {
        for _ in 1..threads {
            s.spawn(work);
        }
        work();
    });
    outputs
        .into_iter()
        .filter_map(|o| o.into_inner().unwrap_or_else(|p| p.into_inner()))
        .collect()
}

/// [`map`] for work that can fail: the results in order, or the first error in the items'
/// order. Items after a failed one are not worked on (whatever is already under way finishes).
pub fn try_map<T: Send, R: Send, E: Send>(
    items: Vec<T>,
    f: impl Fn(T) -> Result<R, E> + Sync,
) -> Result<Vec<R>, E> {
    // Lowest index that failed so far.
    let failed = AtomicUsize::new(usize::MAX);
    let results = map(items.into_iter().enumerate().collect(), |(i, item)| {
        if i > failed.load(Ordering::Relaxed) {
            return None;
        }
        let r = f(item);
        if r.is_err() {
            failed.fetch_min(i, Ordering::Relaxed);
        }
        Some(r)
    });
    let mut out = Vec::with_capacity(results.len());
    // A skipped item (`None`) comes after a failed one, whose error is returned first.
    for r in results.into_iter().flatten() {
        out.push(r?);
    }
    Ok(out)
}

/// [`map`] over slices of `items`, one slice per core (for many cheap items), flattened back in
/// order.
pub fn map_slices<T: Sync, R: Send>(items: &[T], f: impl Fn(&[T]) -> Vec<R> + Sync) -> Vec<R> {
    let per = items.len().div_ceil(threads(items.len()).max(1)).max(1);
    map(items.chunks(per).collect(), f)
        .into_iter()
        .flatten()
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_keep_the_items_order() {
        let v: Vec<u32> = (0..1000).collect();
        assert_eq!(
            super::map(v.clone(), |x| x * 2),
            v.iter().map(|x| x * 2).collect::<Vec<_>>()
        );
        assert_eq!(
            super::map_slices(&v, |s| s.iter().map(|x| x + 1).collect()),
            v.iter().map(|x| x + 1).collect::<Vec<_>>()
        );
    }

    #[test]
    fn try_map_gives_every_result_or_the_first_error_in_order() {
        let v: Vec<u32> = (0..500).collect();
        assert_eq!(
            super::try_map(v.clone(), |x| Ok::<_, u32>(x + 1)),
            Ok(v.iter().map(|x| x + 1).collect())
        );
        let failing = super::try_map(v, |x| if x % 100 == 37 { Err(x) } else { Ok(x) });
        assert_eq!(failing, Err(37));
    }
}
