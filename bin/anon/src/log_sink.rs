//! Where log lines wait for stderr: a batch in memory, written out by a
//! writer thread, so request threads do not wait on the output.
//!
//! A batch is written [`BufferedSink`]'s delay after its first line, or as
//! soon as it passes [`FLUSH_BYTES`]. The writer waits on a condition over
//! the batch itself (not a wake-up token), so a wake-up that comes while it
//! is busy writing is never lost: it sees the batch's size when it comes
//! back. Urgent lines (warnings, errors), a batch past [`MAX_PENDING_BYTES`]
//! and an explicit flush are written at once by the caller. A write the
//! output refuses is retried while it would block; bytes it finally refuses
//! are counted, and the next successful write is followed by a line saying
//! how many were lost. Dropping the sink writes what is pending and stops
//! the writer.

use std::io::{ErrorKind, Write};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::thread::JoinHandle;
use std::time::Duration;

/// Buffered bytes that have the writer thread write at once, without waiting
/// for the delay.
pub const FLUSH_BYTES: usize = 64 * 1024;

/// Buffered bytes past which the logging thread writes the batch itself
/// (when the writer cannot keep up, lines are not buffered without limit).
pub const MAX_PENDING_BYTES: usize = 1024 * 1024;

/// How long a write that would block is retried before its bytes are
/// counted as lost.
const WOULD_BLOCK_PATIENCE: Duration = Duration::from_secs(1);

/// Formats the line that reports `n` lost bytes.
pub type LossNotice = Box<dyn Fn(u64) -> Vec<u8> + Send + Sync>;

/// Lines waiting for their output, and the thread that writes them out.
pub struct BufferedSink {
    shared: Arc<Shared>,
    writer: OnceLock<JoinHandle<()>>,
}

struct Shared {
    pending: Mutex<Pending>,
    /// Signalled when a batch gets its first line, passes [`FLUSH_BYTES`],
    /// or the sink closes.
    changed: Condvar,
    /// How long a batch's first line may wait.
    delay: Duration,
    /// The output and what was lost on it; held while a batch is written, so
    /// batches reach the output in order.
    writing: Mutex<Writing>,
}

struct Pending {
    bytes: Vec<u8>,
    closed: bool,
}

struct Writing {
    /// The batch being written (its allocation is kept for the next one).
    batch: Vec<u8>,
    output: Box<dyn Write + Send>,
    /// Bytes the output refused since the last successful write.
    lost: u64,
    notice: LossNotice,
}

impl BufferedSink {
    /// A sink writing to `output`, batches waiting at most `delay`; `notice`
    /// formats the line reporting lost bytes. Until [`BufferedSink::start_writer`]
    /// every line is written at once.
    pub fn new(output: Box<dyn Write + Send>, delay: Duration, notice: LossNotice) -> Self {
        BufferedSink {
            shared: Arc::new(Shared {
                pending: Mutex::new(Pending {
                    bytes: Vec::new(),
                    closed: false,
                }),
                changed: Condvar::new(),
                delay,
                writing: Mutex::new(Writing {
                    batch: Vec::new(),
                    output,
                    lost: 0,
                    notice,
                }),
            }),
            writer: OnceLock::new(),
        }
    }

    /// Adds a line; writes the batch at once when it is `urgent` or past
    /// [`MAX_PENDING_BYTES`] (or when no writer runs).
    pub fn push(&self, line: &[u8], urgent: bool) {
        let after = {
            let mut pending = lock(&self.shared.pending);
            let before = pending.bytes.len();
            pending.bytes.extend_from_slice(line);
            let after = pending.bytes.len();
            if wakes_the_writer(before, after) {
                self.shared.changed.notify_one();
            }
            after
        };
        if urgent || after >= MAX_PENDING_BYTES || self.writer.get().is_none() {
            self.shared.flush();
        }
    }

    /// Writes everything pending.
    pub fn flush(&self) {
        self.shared.flush();
    }

    /// Starts the thread writing batches out. Without it every line is
    /// written at once; a failure to start it is reported on stderr and
    /// leaves it so.
    pub fn start_writer(&self) {
        let shared = Arc::clone(&self.shared);
        let spawned = std::thread::Builder::new()
            .name("log-flush".to_owned())
            .spawn(move || shared.write_batches());
        match spawned {
            Ok(handle) => {
                let _ = self.writer.set(handle);
            }
            Err(error) => {
                eprintln!("anon: cannot start the log writer thread ({error}); log lines are written one by one");
            }
        }
    }
}

impl std::fmt::Debug for BufferedSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BufferedSink")
            .field("delay", &self.shared.delay)
            .field("writer_started", &self.writer.get().is_some())
            .finish_non_exhaustive()
    }
}

impl Drop for BufferedSink {
    fn drop(&mut self) {
        lock(&self.shared.pending).closed = true;
        self.shared.changed.notify_all();
        match self.writer.take() {
            Some(writer) => {
                let _ = writer.join();
            }
            None => self.shared.flush(),
        }
    }
}

impl Shared {
    /// The writer thread: waits for a batch's first line, then for the delay
    /// or the batch passing [`FLUSH_BYTES`], writes the batch, and again,
    /// until the sink closes (then it writes what is left).
    fn write_batches(&self) {
        loop {
            let mut pending = lock(&self.pending);
            while pending.bytes.is_empty() && !pending.closed {
                pending = self
                    .changed
                    .wait(pending)
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
            }
            if !pending.closed {
                pending = match self.changed.wait_timeout_while(pending, self.delay, |p| {
                    p.bytes.len() < FLUSH_BYTES && !p.closed
                }) {
                    Ok((pending, _)) => pending,
                    Err(poisoned) => poisoned.into_inner().0,
                };
            }
            let closed = pending.closed;
            drop(pending);
            self.flush();
            if closed {
                return;
            }
        }
    }

    fn flush(&self) {
        let mut writing = lock(&self.writing);
        let writing = &mut *writing;
        std::mem::swap(&mut writing.batch, &mut lock(&self.pending).bytes);
        if writing.batch.is_empty() {
            return;
        }
        let refused = write_patiently(&mut *writing.output, &writing.batch);
        if refused > 0 {
            writing.lost += refused as u64;
        } else if writing.lost > 0 {
            let notice = (writing.notice)(writing.lost);
            let refused = write_patiently(&mut *writing.output, &notice);
            writing.lost = refused as u64;
        }
        writing.batch.clear();
        // Keep a normal batch's allocation, not a burst's.
        writing.batch.shrink_to(FLUSH_BYTES * 2);
    }
}

/// Writes `bytes`, retrying interruptions and, for a while, writes that
/// would block; returns how many bytes the output finally refused.
fn write_patiently(output: &mut dyn Write, bytes: &[u8]) -> usize {
    let mut rest = bytes;
    let mut waited = Duration::ZERO;
    while !rest.is_empty() {
        match output.write(rest) {
            Ok(0) => break,
            Ok(n) => rest = rest.get(n..).unwrap_or_default(),
            Err(error) if error.kind() == ErrorKind::Interrupted => {}
            Err(error)
                if error.kind() == ErrorKind::WouldBlock && waited < WOULD_BLOCK_PATIENCE =>
            {
                let pause = Duration::from_millis(1);
                std::thread::sleep(pause);
                waited += pause;
            }
            Err(_) => break,
        }
    }
    if rest.is_empty() && output.flush().is_err() {
        // Written but not flushed: the bytes are with the output already.
        return 0;
    }
    rest.len()
}

/// Whether a line that grew the pending batch from `before` to `after` bytes
/// changes what the writer waits for: it is the batch's first line, or the
/// one that passes [`FLUSH_BYTES`].
fn wakes_the_writer(before: usize, after: usize) -> bool {
    before == 0 || (before < FLUSH_BYTES && after >= FLUSH_BYTES)
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A poisoned buffer still holds whole lines written before the panic.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    /// An output that keeps what is written, and can be told to refuse.
    #[derive(Clone, Default)]
    struct Kept {
        bytes: Arc<Mutex<Vec<u8>>>,
        refuse: Arc<Mutex<Option<ErrorKind>>>,
    }

    impl Kept {
        fn len(&self) -> usize {
            lock(&self.bytes).len()
        }

        fn text(&self) -> String {
            String::from_utf8_lossy(&lock(&self.bytes)).into_owned()
        }

        /// Waits (at most `limit`) until `n` bytes were written; how long.
        fn wait_for(&self, n: usize, limit: Duration) -> Duration {
            let started = Instant::now();
            while self.len() < n && started.elapsed() < limit {
                std::thread::sleep(Duration::from_millis(2));
            }
            started.elapsed()
        }
    }

    impl Write for Kept {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            if let Some(kind) = *lock(&self.refuse) {
                return Err(kind.into());
            }
            lock(&self.bytes).extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn sink(kept: &Kept, delay: Duration) -> BufferedSink {
        BufferedSink::new(
            Box::new(kept.clone()),
            delay,
            Box::new(|n| format!("lost {n}\n").into_bytes()),
        )
    }

    #[test]
    fn without_a_writer_every_line_is_written_at_once() {
        let kept = Kept::default();
        let sink = sink(&kept, Duration::from_secs(60));
        sink.push(b"first\n", false);
        assert_eq!(kept.text(), "first\n");
    }

    #[test]
    fn a_small_batch_waits_for_the_delay_then_is_written_by_the_writer() {
        let kept = Kept::default();
        let long = sink(&kept, Duration::from_secs(60));
        long.start_writer();
        long.push(b"waits\n", false);
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(kept.len(), 0, "written before its delay");
        // A short delay: written by the writer, with no flush from here.
        let kept = Kept::default();
        let short = sink(&kept, Duration::from_millis(20));
        short.start_writer();
        short.push(b"second\n", false);
        short.push(b"third\n", false);
        kept.wait_for(13, Duration::from_secs(10));
        assert_eq!(kept.text(), "second\nthird\n");
    }

    #[test]
    fn a_batch_past_the_flush_size_is_written_without_waiting_for_the_delay() {
        let kept = Kept::default();
        let sink = sink(&kept, Duration::from_secs(60));
        sink.start_writer();
        let line = vec![b'x'; 1000];
        // Lines pushed in a burst: some arrive while the writer is busy.
        for _ in 0..(4 * FLUSH_BYTES / line.len()) {
            sink.push(&line, false);
        }
        let waited = kept.wait_for(2 * FLUSH_BYTES, Duration::from_secs(30));
        assert!(
            kept.len() >= 2 * FLUSH_BYTES,
            "only {} bytes written",
            kept.len()
        );
        assert!(waited < Duration::from_secs(30), "waited {waited:?}");
    }

    #[test]
    fn urgent_lines_large_batches_and_flushes_are_written_by_the_caller_in_order() {
        let kept = Kept::default();
        let sink = sink(&kept, Duration::from_secs(60));
        sink.start_writer();
        sink.push(b"info\n", false);
        sink.push(b"warning\n", true);
        assert_eq!(kept.text(), "info\nwarning\n");
        sink.push(b"more\n", false);
        sink.push(&vec![b'x'; MAX_PENDING_BYTES], false);
        assert_eq!(kept.len(), 18 + MAX_PENDING_BYTES);
        sink.push(b"last\n", false);
        sink.flush();
        assert!(kept.text().starts_with("info\nwarning\nmore\nxxx"));
        assert!(kept.text().ends_with("xlast\n"));
    }

    #[test]
    fn dropping_the_sink_writes_what_is_pending_and_stops_the_writer() {
        let kept = Kept::default();
        let sink = sink(&kept, Duration::from_secs(60));
        sink.start_writer();
        sink.push(b"pending\n", false);
        drop(sink);
        assert_eq!(kept.text(), "pending\n");
    }

    #[test]
    fn refused_bytes_are_counted_and_reported_after_the_next_successful_write() {
        let kept = Kept::default();
        let sink = sink(&kept, Duration::from_secs(60));
        *lock(&kept.refuse) = Some(ErrorKind::BrokenPipe);
        sink.push(b"gone\n", true);
        sink.push(b"also gone\n", true);
        assert_eq!(kept.len(), 0);
        *lock(&kept.refuse) = None;
        sink.push(b"back\n", true);
        assert_eq!(kept.text(), "back\nlost 15\n");
        sink.push(b"again\n", true);
        assert_eq!(kept.text(), "back\nlost 15\nagain\n");
    }

    #[test]
    fn a_write_that_would_block_is_retried_until_the_output_takes_it() {
        let kept = Kept::default();
        let sink = sink(&kept, Duration::from_secs(60));
        *lock(&kept.refuse) = Some(ErrorKind::WouldBlock);
        let unblock = {
            let refuse = Arc::clone(&kept.refuse);
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(20));
                *lock(&refuse) = None;
            })
        };
        sink.push(b"patient\n", true);
        unblock.join().expect("the unblocking thread");
        assert_eq!(kept.text(), "patient\n");
    }

    #[test]
    fn the_writer_is_woken_by_a_batch_first_line_and_by_its_size() {
        assert!(wakes_the_writer(0, 120));
        assert!(!wakes_the_writer(120, 240));
        assert!(wakes_the_writer(FLUSH_BYTES - 10, FLUSH_BYTES + 110));
        assert!(wakes_the_writer(FLUSH_BYTES - 10, FLUSH_BYTES));
        assert!(!wakes_the_writer(FLUSH_BYTES, FLUSH_BYTES + 120));
    }
}
