//! Where log lines wait for stderr: a batch in memory, written out by a
//! writer thread, so threads that log never wait on the output.
//!
//! A batch is written [`BufferedSink`]'s delay after its first line, as soon
//! as it passes [`FLUSH_BYTES`], or at once when it holds an urgent line
//! (a warning or an error) or a flush is asked for. Only the writer thread
//! writes, so when the output stalls (a reader that stopped reading a full
//! pipe) only the writer waits: a line that would take the batch past
//! [`MAX_PENDING_BYTES`] is dropped and counted, a flush waits at most the
//! sink's flush wait, and the next successful write is followed by a line
//! saying how many bytes were lost. A write that would block is retried for
//! a while, and given up only between lines (a line begun is finished);
//! bytes the output refuses are counted the same way. The writer
//! waits on a condition over the batch itself (not a wake-up token), so a
//! wake-up that comes while it is busy writing is never lost. Dropping the
//! sink writes what is pending (waiting at most the flush wait) and stops
//! the writer.

use std::io::{ErrorKind, Write};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Buffered bytes that have the writer thread write at once, without waiting
/// for the delay.
pub const FLUSH_BYTES: usize = 64 * 1024;

/// Buffered bytes past which new lines are dropped (and counted) rather than
/// kept: the output is not taking them.
pub const MAX_PENDING_BYTES: usize = 1024 * 1024;

/// How long a write that would block is retried before its bytes are
/// counted as lost.
const WOULD_BLOCK_PATIENCE: Duration = Duration::from_secs(1);

/// The writer thread's name.
pub const WRITER_THREAD: &str = "log-flush";

/// Formats the line that reports `n` lost bytes.
pub type LossNotice = Box<dyn Fn(u64) -> Vec<u8> + Send + Sync>;

/// Lines waiting for their output, and the thread that writes them out.
pub struct BufferedSink {
    shared: Arc<Shared>,
    writer: OnceLock<JoinHandle<()>>,
}

struct Shared {
    state: Mutex<State>,
    /// Wakes the writer: a batch's first line, its passing [`FLUSH_BYTES`],
    /// an urgent line or flush, closing.
    work: Condvar,
    /// Wakes flushes waiting for a batch to be written.
    drained: Condvar,
    /// How long a batch's first line may wait.
    delay: Duration,
    /// How long a flush (or dropping the sink) waits for the writer.
    flush_wait: Duration,
    /// The output and what was lost on it; only the writer thread locks it
    /// once it runs.
    writing: Mutex<Writing>,
}

struct State {
    /// The batch being collected.
    bytes: Vec<u8>,
    /// Bytes taken into batches since the start.
    accepted: u64,
    /// Of those, the bytes whose batch the writer has finished with.
    done: u64,
    /// Bytes of lines dropped because the batch was full.
    dropped: u64,
    /// Write without waiting for the delay (an urgent line, a flush).
    hurry: bool,
    closed: bool,
    /// Whether a writer thread takes the batches (else callers write).
    writer_running: bool,
    writer_exited: bool,
    /// What the writer thread is waiting for, if anything: a line is pushed
    /// with a wake-up only when the writer would otherwise not see it in
    /// time (a writer busy writing looks at the batch as soon as it is done).
    writer_waits: WriterWait,
    /// Wake-ups sent for pushed lines (tests check how few).
    #[cfg(test)]
    line_wakeups: u64,
}

/// What the writer thread waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WriterWait {
    /// Nothing: it is writing, or about to look at the batch.
    Nothing,
    /// A first line (it sleeps without a deadline).
    FirstLine,
    /// The delay to pass or the batch to reach [`FLUSH_BYTES`].
    MoreLines,
}

struct Writing {
    output: Box<dyn Write + Send>,
    /// Bytes refused or dropped and not yet reported.
    lost: u64,
    /// The last write stopped inside a line: the next one starts a new line.
    mid_line: bool,
    notice: LossNotice,
}

impl BufferedSink {
    /// A sink writing to `output`, batches waiting at most `delay`, flushes
    /// waiting at most `flush_wait` for a stalled output; `notice` formats
    /// the line reporting lost bytes. Until [`BufferedSink::start_writer`]
    /// every line is written at once by the caller.
    pub fn new(
        output: Box<dyn Write + Send>,
        delay: Duration,
        flush_wait: Duration,
        notice: LossNotice,
    ) -> Self {
        BufferedSink {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    bytes: Vec::new(),
                    accepted: 0,
                    done: 0,
                    dropped: 0,
                    hurry: false,
                    closed: false,
                    writer_running: false,
                    writer_exited: false,
                    writer_waits: WriterWait::Nothing,
                    #[cfg(test)]
                    line_wakeups: 0,
                }),
                work: Condvar::new(),
                drained: Condvar::new(),
                delay,
                flush_wait,
                writing: Mutex::new(Writing {
                    output,
                    lost: 0,
                    mid_line: false,
                    notice,
                }),
            }),
            writer: OnceLock::new(),
        }
    }

    /// Adds a line, never waiting on the output; an `urgent` one has the
    /// writer write the batch at once.
    pub fn push(&self, line: &[u8], urgent: bool) {
        let mut state = lock(&self.shared.state);
        if !state.writer_running || state.writer_exited {
            // No writer (not started, or gone): the caller writes.
            return self.shared.write_without_writer(state, line);
        }
        let before = state.bytes.len();
        if before > 0 && before + line.len() > MAX_PENDING_BYTES {
            state.dropped += line.len() as u64;
            return;
        }
        state.bytes.extend_from_slice(line);
        state.accepted += line.len() as u64;
        let hurry_now = urgent && !state.hurry;
        state.hurry |= urgent;
        if hurry_now || wakes_the_writer(state.writer_waits, before, state.bytes.len()) {
            // Once woken, it looks at the batch: no further wake-up needed.
            state.writer_waits = WriterWait::Nothing;
            #[cfg(test)]
            {
                state.line_wakeups += 1;
            }
            self.shared.work.notify_one();
        }
    }

    /// Has everything pushed so far written, waiting at most the flush wait
    /// (the output may be stalled).
    pub fn flush(&self) {
        let mut state = lock(&self.shared.state);
        if !state.writer_running {
            return;
        }
        if state.writer_exited {
            return self.shared.write_without_writer(state, &[]);
        }
        let target = state.accepted;
        if state.done >= target {
            return;
        }
        state.hurry = true;
        self.shared.work.notify_one();
        let deadline = Instant::now() + self.shared.flush_wait;
        while state.done < target && !state.writer_exited {
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                return;
            };
            state = match self.shared.drained.wait_timeout(state, left) {
                Ok((state, _)) => state,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }

    /// Starts the thread writing batches out. Without it every line is
    /// written at once by the caller; a failure to start it is reported on
    /// stderr and leaves it so.
    pub fn start_writer(&self) {
        {
            // Claimed under the lock: two calls cannot start two writers.
            let mut state = lock(&self.shared.state);
            if state.writer_running {
                return;
            }
            state.writer_running = true;
        }
        let shared = Arc::clone(&self.shared);
        let spawned = std::thread::Builder::new()
            .name(WRITER_THREAD.to_owned())
            .spawn(move || shared.write_batches());
        match spawned {
            Ok(handle) => {
                let _ = self.writer.set(handle);
            }
            Err(error) => {
                let pending = {
                    let mut state = lock(&self.shared.state);
                    state.writer_running = false;
                    self.shared.drained.notify_all();
                    std::mem::take(&mut state.bytes)
                };
                self.shared.write_here(|writing| writing.write(&pending));
                // Not `eprintln!`, which panics when stderr refuses.
                let _ = writeln!(
                    std::io::stderr(),
                    "anon: cannot start the log writer thread ({error}); log lines are written one by one"
                );
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
        let deadline = Instant::now() + self.shared.flush_wait;
        let mut state = lock(&self.shared.state);
        state.closed = true;
        self.shared.work.notify_one();
        while state.writer_running && !state.writer_exited {
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                // The output is stalled: leave the writer to it.
                return;
            };
            state = match self.shared.drained.wait_timeout(state, left) {
                Ok((state, _)) => state,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
        drop(state);
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

thread_local! {
    /// Set while this thread writes to the output itself: a line logged
    /// meanwhile (by a panic in the output) is dropped, not deadlocked on.
    static WRITING_HERE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

impl Shared {
    /// Writes on this thread what a writer that died left in `state` (its
    /// batch, and its dropped lines as lost), then `line`.
    fn write_without_writer(&self, mut state: MutexGuard<'_, State>, line: &[u8]) {
        let left = std::mem::take(&mut state.bytes);
        let dropped = std::mem::take(&mut state.dropped);
        drop(state);
        self.write_here(|writing| {
            writing.lost += dropped;
            writing.write(&left);
            writing.write(line);
        });
    }

    /// Runs `write` with the output on the calling thread (no writer runs).
    fn write_here(&self, write: impl FnOnce(&mut Writing)) {
        if WRITING_HERE.with(std::cell::Cell::get) {
            return;
        }
        WRITING_HERE.with(|flag| flag.set(true));
        struct Reset;
        impl Drop for Reset {
            fn drop(&mut self) {
                WRITING_HERE.with(|flag| flag.set(false));
            }
        }
        let _reset = Reset;
        write(&mut lock(&self.writing));
    }

    /// The writer thread: waits for a batch's first line, then for the delay
    /// (cut short by size, urgency or closing), writes the batch, and again,
    /// until the sink closes (then it writes what is left).
    fn write_batches(&self) {
        // However the writer ends (closing, or a panic in the output), its
        // end is recorded and waiting flushes are woken.
        struct Exit<'a>(&'a Shared);
        impl Drop for Exit<'_> {
            fn drop(&mut self) {
                lock(&self.0.state).writer_exited = true;
                self.0.drained.notify_all();
            }
        }
        let _exit = Exit(self);
        let mut batch = Vec::new();
        loop {
            let mut state = lock(&self.state);
            while state.bytes.is_empty() && state.dropped == 0 && !state.closed {
                state.writer_waits = WriterWait::FirstLine;
                state = self
                    .work
                    .wait(state)
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
            }
            if !state.closed && !state.hurry {
                state.writer_waits = WriterWait::MoreLines;
                state = match self.work.wait_timeout_while(state, self.delay, |s| {
                    s.bytes.len() < FLUSH_BYTES && !s.hurry && !s.closed
                }) {
                    Ok((state, _)) => state,
                    Err(poisoned) => poisoned.into_inner().0,
                };
            }
            state.writer_waits = WriterWait::Nothing;
            std::mem::swap(&mut state.bytes, &mut batch);
            state.hurry = false;
            let upto = state.accepted;
            let dropped = std::mem::take(&mut state.dropped);
            let closed = state.closed;
            drop(state);

            {
                let mut writing = lock(&self.writing);
                writing.lost += dropped;
                writing.write(&batch);
            }
            batch.clear();
            // Keep a normal batch's allocation, not a burst's.
            batch.shrink_to(FLUSH_BYTES * 2);

            let mut state = lock(&self.state);
            state.done = upto;
            self.drained.notify_all();
            if closed && state.bytes.is_empty() {
                return;
            }
        }
    }
}

impl Writing {
    /// Writes `bytes` (when there are any), then, once a write succeeds
    /// again, the line reporting what was lost before.
    fn write(&mut self, bytes: &[u8]) {
        if bytes.is_empty() && self.lost == 0 {
            return;
        }
        if self.mid_line {
            // A refused write left half a line: end it first.
            if write_patiently(&mut *self.output, b"\n", WOULD_BLOCK_PATIENCE) > 0 {
                self.lost += bytes.len() as u64;
                return;
            }
            self.mid_line = false;
        }
        if !bytes.is_empty() {
            let refused = write_patiently(&mut *self.output, bytes, WOULD_BLOCK_PATIENCE);
            if refused > 0 {
                self.lost += refused as u64;
                self.note_partial(bytes, refused);
                return;
            }
        }
        if self.lost > 0 {
            let notice = (self.notice)(self.lost);
            let refused = write_patiently(&mut *self.output, &notice, WOULD_BLOCK_PATIENCE);
            if refused == 0 {
                self.lost = 0;
            } else {
                // The count stands; it is reported with the next success.
                self.note_partial(&notice, refused);
            }
        }
    }

    /// Remembers whether a write of `bytes` whose last `refused` bytes were
    /// refused stopped inside a line.
    fn note_partial(&mut self, bytes: &[u8], refused: usize) {
        let written = bytes.len().saturating_sub(refused);
        // Nothing written: the output is where it was.
        if written > 0 {
            self.mid_line = bytes.get(written - 1) != Some(&b'\n');
        }
    }
}

/// Writes `bytes`, retrying interruptions and, for a while, writes that
/// would block; returns how many bytes the output finally refused.
///
/// Giving up on an output that would block happens only between lines: a
/// line already begun is finished first (however long the output takes), so
/// a stalled non-blocking pipe never gets half a line.
fn write_patiently(output: &mut dyn Write, bytes: &[u8], patience: Duration) -> usize {
    let mut written = 0;
    let mut waited = Duration::ZERO;
    while written < bytes.len() {
        let rest = bytes.get(written..).unwrap_or_default();
        match output.write(rest) {
            Ok(0) => break,
            Ok(n) => {
                written += n;
                // Patience counts time without progress.
                waited = Duration::ZERO;
            }
            Err(error) if error.kind() == ErrorKind::Interrupted => {}
            Err(error) if error.kind() == ErrorKind::WouldBlock => {
                let between_lines = written == 0 || bytes.get(written - 1) == Some(&b'\n');
                if waited >= patience && between_lines {
                    break;
                }
                let pause = if waited < patience {
                    Duration::from_millis(1)
                } else {
                    Duration::from_millis(10)
                };
                std::thread::sleep(pause);
                waited += pause;
            }
            Err(_) => break,
        }
    }
    if written == bytes.len() && output.flush().is_err() {
        // Written but not flushed: the bytes are with the output already.
        return 0;
    }
    bytes.len() - written
}

/// Whether a line that grew the pending batch from `before` to `after` bytes
/// ends what the writer waits for: a first line when it sleeps without a
/// deadline, the line that passes [`FLUSH_BYTES`] while it waits for more.
/// A writer that is writing is not woken (no system call per line under
/// load): it looks at the batch when it is done.
fn wakes_the_writer(waits: WriterWait, before: usize, after: usize) -> bool {
    match waits {
        WriterWait::Nothing => false,
        WriterWait::FirstLine => after > 0,
        WriterWait::MoreLines => before < FLUSH_BYTES && after >= FLUSH_BYTES,
    }
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
    use std::sync::mpsc;

    /// An output that keeps what is written; it can be told to refuse, or
    /// to stall (block in `write`) until reopened.
    #[derive(Clone, Default)]
    struct Kept {
        bytes: Arc<Mutex<Vec<u8>>>,
        refuse: Arc<Mutex<Option<ErrorKind>>>,
        stalled: Arc<(Mutex<bool>, Condvar)>,
        /// Refuse loss notices (writes starting with `lost`).
        refuse_notices: Arc<Mutex<bool>>,
        /// Take at most this many more bytes, then refuse.
        budget: Arc<Mutex<Option<usize>>>,
        /// Panic in `write`.
        panic: Arc<Mutex<bool>>,
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

        fn stall(&self, stalled: bool) {
            let (flag, changed) = &*self.stalled;
            *lock(flag) = stalled;
            changed.notify_all();
        }
    }

    impl Write for Kept {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            let (flag, changed) = &*self.stalled;
            let mut stalled = lock(flag);
            while *stalled {
                stalled = changed.wait(stalled).expect("not poisoned");
            }
            drop(stalled);
            assert!(!*lock(&self.panic), "the output failed");
            if let Some(kind) = *lock(&self.refuse) {
                return Err(kind.into());
            }
            if *lock(&self.refuse_notices) && bytes.starts_with(b"lost") {
                return Err(ErrorKind::BrokenPipe.into());
            }
            let mut budget = lock(&self.budget);
            let taken = match &mut *budget {
                Some(0) => return Err(ErrorKind::BrokenPipe.into()),
                Some(left) => {
                    let taken = bytes.len().min(*left);
                    *left -= taken;
                    taken
                }
                None => bytes.len(),
            };
            lock(&self.bytes).extend_from_slice(&bytes[..taken]);
            Ok(taken)
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    const LONG: Duration = Duration::from_secs(60);

    /// Pushes `line` as urgent and waits for the writer to be done with it.
    fn write_now(sink: &BufferedSink, line: &[u8]) {
        sink.push(line, true);
        sink.flush();
    }

    fn sink(kept: &Kept, delay: Duration, flush_wait: Duration) -> BufferedSink {
        BufferedSink::new(
            Box::new(kept.clone()),
            delay,
            flush_wait,
            Box::new(|n| format!("lost {n}\n").into_bytes()),
        )
    }

    /// Runs `work` on another thread and says whether it finished within
    /// `limit` (a blocked call fails the test instead of hanging it).
    fn finishes_within(limit: Duration, work: impl FnOnce() + Send + 'static) -> bool {
        let (done, finished) = mpsc::channel();
        std::thread::spawn(move || {
            work();
            let _ = done.send(());
        });
        finished.recv_timeout(limit).is_ok()
    }

    #[test]
    fn without_a_writer_every_line_is_written_at_once() {
        let kept = Kept::default();
        let sink = sink(&kept, LONG, LONG);
        sink.push(b"first\n", false);
        assert_eq!(kept.text(), "first\n");
    }

    #[test]
    fn a_small_batch_waits_for_the_delay_then_is_written_by_the_writer() {
        let kept = Kept::default();
        let long = sink(&kept, LONG, LONG);
        long.start_writer();
        long.push(b"waits\n", false);
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(kept.len(), 0, "written before its delay");
        // A short delay: written by the writer, with no flush from here.
        let kept = Kept::default();
        let short = sink(&kept, Duration::from_millis(20), LONG);
        short.start_writer();
        short.push(b"second\n", false);
        short.push(b"third\n", false);
        kept.wait_for(13, Duration::from_secs(10));
        assert_eq!(kept.text(), "second\nthird\n");
    }

    #[test]
    fn a_batch_past_the_flush_size_is_written_without_waiting_for_the_delay() {
        let kept = Kept::default();
        let sink = sink(&kept, LONG, LONG);
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
    fn an_urgent_line_has_the_writer_write_at_once_in_order() {
        let kept = Kept::default();
        let sink = sink(&kept, LONG, LONG);
        sink.start_writer();
        sink.push(b"info\n", false);
        sink.push(b"warning\n", true);
        kept.wait_for(13, Duration::from_secs(10));
        assert_eq!(kept.text(), "info\nwarning\n");
        // And a flush returns once everything pushed before it is written.
        sink.push(b"more\n", false);
        sink.push(b"last\n", false);
        sink.flush();
        assert_eq!(kept.text(), "info\nwarning\nmore\nlast\n");
    }

    #[test]
    fn a_stalled_output_never_blocks_the_caller_and_drops_are_reported() {
        let kept = Kept::default();
        let sink = Arc::new(sink(&kept, LONG, Duration::from_secs(1)));
        sink.start_writer();
        kept.stall(true);
        // The writer takes this batch and blocks writing it.
        sink.push(b"first\n", true);
        std::thread::sleep(Duration::from_millis(50));
        let line = vec![b'y'; 1023];
        let lines = 2 * MAX_PENDING_BYTES / 1024;
        let pusher = Arc::clone(&sink);
        let unblocked = finishes_within(Duration::from_secs(20), move || {
            for _ in 0..lines {
                pusher.push(&line, false);
                pusher.push(b"\n", true);
            }
            // A flush gives up after its wait instead of hanging.
            pusher.flush();
        });
        assert!(unblocked, "a caller waited on the stalled output");
        kept.stall(false);
        sink.flush();
        let text = kept.text();
        assert!(text.starts_with("first\nyyy"), "{:?}", &text[..20]);
        let notice = text.lines().last().expect("a last line");
        let lost: usize = notice
            .strip_prefix("lost ")
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no loss notice: {notice:?}"));
        // Every byte pushed was either written or counted as lost.
        let pushed = 6 + lines * 1024;
        assert!(lost > 0);
        assert_eq!(text.len() - notice.len() - 1 + lost, pushed);
    }

    #[test]
    fn dropping_the_sink_writes_what_is_pending_and_stops_the_writer() {
        let kept = Kept::default();
        let sink = sink(&kept, LONG, LONG);
        sink.start_writer();
        sink.push(b"pending\n", false);
        drop(sink);
        assert_eq!(kept.text(), "pending\n");
    }

    #[test]
    fn dropping_a_sink_whose_output_is_stalled_does_not_hang() {
        let kept = Kept::default();
        let sink = sink(&kept, LONG, Duration::from_millis(100));
        sink.start_writer();
        kept.stall(true);
        sink.push(b"stuck\n", true);
        assert!(finishes_within(Duration::from_secs(20), move || drop(sink)));
        kept.stall(false);
    }

    #[test]
    fn refused_bytes_are_counted_and_reported_after_the_next_successful_write() {
        let kept = Kept::default();
        let sink = sink(&kept, LONG, LONG);
        sink.start_writer();
        *lock(&kept.refuse) = Some(ErrorKind::BrokenPipe);
        write_now(&sink, b"gone\n");
        write_now(&sink, b"also gone\n");
        assert_eq!(kept.len(), 0);
        *lock(&kept.refuse) = None;
        write_now(&sink, b"back\n");
        assert_eq!(kept.text(), "back\nlost 15\n");
        write_now(&sink, b"again\n");
        assert_eq!(kept.text(), "back\nlost 15\nagain\n");
    }

    #[test]
    fn a_refused_notice_keeps_the_whole_count_for_the_next_success() {
        let kept = Kept::default();
        let sink = sink(&kept, LONG, LONG);
        sink.start_writer();
        *lock(&kept.refuse) = Some(ErrorKind::BrokenPipe);
        write_now(&sink, b"gone\n");
        *lock(&kept.refuse) = None;
        *lock(&kept.refuse_notices) = true;
        write_now(&sink, b"a\n");
        *lock(&kept.refuse_notices) = false;
        write_now(&sink, b"b\n");
        assert_eq!(kept.text(), "a\nb\nlost 5\n");
    }

    #[test]
    fn a_line_cut_by_a_refused_write_is_ended_before_the_next_one() {
        let kept = Kept::default();
        let sink = sink(&kept, LONG, LONG);
        sink.start_writer();
        *lock(&kept.budget) = Some(3);
        write_now(&sink, b"hello\n");
        *lock(&kept.budget) = None;
        write_now(&sink, b"next\n");
        assert_eq!(kept.text(), "hel\nnext\nlost 3\n");
    }

    #[test]
    fn when_the_writer_dies_callers_write_and_flushes_do_not_wait() {
        let kept = Kept::default();
        let sink = sink(&kept, LONG, LONG);
        sink.start_writer();
        *lock(&kept.panic) = true;
        sink.push(b"kills the writer\n", true);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !lock(&sink.shared.state).writer_exited {
            assert!(Instant::now() < deadline, "the writer did not stop");
            std::thread::sleep(Duration::from_millis(2));
        }
        // A line pushed while the writer was dying is left in the batch.
        {
            let mut state = lock(&sink.shared.state);
            state.bytes.extend_from_slice(b"left behind\n");
        }
        *lock(&kept.panic) = false;
        let started = Instant::now();
        sink.flush();
        assert_eq!(kept.text(), "left behind\n");
        sink.push(b"written by the caller\n", false);
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(kept.text(), "left behind\nwritten by the caller\n");
    }

    /// An output following a script of `(blocks, take)` steps: would block
    /// `blocks` times, or (with `blocks` 0) take up to `take` bytes; past
    /// the script it would block for ever (a full non-blocking pipe nobody
    /// reads).
    struct Scripted {
        kept: Kept,
        script: std::collections::VecDeque<(usize, usize)>,
    }

    impl Write for Scripted {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            match self.script.front_mut() {
                Some((0, take)) => {
                    let taken = bytes.len().min(*take);
                    lock(&self.kept.bytes).extend_from_slice(&bytes[..taken]);
                    self.script.pop_front();
                    Ok(taken)
                }
                Some((blocks, _)) => {
                    *blocks -= 1;
                    if *blocks == 0 {
                        self.script.pop_front();
                    }
                    Err(ErrorKind::WouldBlock.into())
                }
                None => Err(ErrorKind::WouldBlock.into()),
            }
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn an_output_that_would_block_mid_line_still_gets_whole_lines() {
        let kept = Kept::default();
        // 5 bytes taken, then blocked well past the patience (inside the
        // first line), then the rest of that line taken, then blocked.
        let mut output = Scripted {
            kept: kept.clone(),
            script: [(0, 5), (60, 0), (0, 6)].into_iter().collect(),
        };
        let patience = Duration::from_millis(20);
        let refused = write_patiently(&mut output, b"first line\nsecond line\n", patience);
        assert_eq!(kept.text(), "first line\n");
        assert_eq!(refused, 12);
        // Blocked from the start: refused whole once the patience runs out.
        let kept = Kept::default();
        let mut output = Scripted {
            kept: kept.clone(),
            script: std::collections::VecDeque::new(),
        };
        assert_eq!(write_patiently(&mut output, b"line\n", patience), 5);
        assert_eq!(kept.len(), 0);
    }

    #[test]
    fn a_write_that_would_block_is_retried_until_the_output_takes_it() {
        let kept = Kept::default();
        let sink = sink(&kept, LONG, LONG);
        sink.start_writer();
        *lock(&kept.refuse) = Some(ErrorKind::WouldBlock);
        let unblock = {
            let refuse = Arc::clone(&kept.refuse);
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(20));
                *lock(&refuse) = None;
            })
        };
        write_now(&sink, b"patient\n");
        unblock.join().expect("the unblocking thread");
        assert_eq!(kept.text(), "patient\n");
    }

    #[test]
    fn the_writer_is_woken_by_a_first_line_and_by_the_batch_size_only_when_waiting_for_them() {
        use WriterWait::{FirstLine, MoreLines, Nothing};
        assert!(wakes_the_writer(FirstLine, 0, 120));
        assert!(!wakes_the_writer(MoreLines, 120, 240));
        assert!(wakes_the_writer(
            MoreLines,
            FLUSH_BYTES - 10,
            FLUSH_BYTES + 110
        ));
        assert!(wakes_the_writer(MoreLines, FLUSH_BYTES - 10, FLUSH_BYTES));
        assert!(!wakes_the_writer(MoreLines, FLUSH_BYTES, FLUSH_BYTES + 120));
        // A writer busy writing is never woken: it looks when it is done.
        assert!(!wakes_the_writer(Nothing, 0, 120));
        assert!(!wakes_the_writer(
            Nothing,
            FLUSH_BYTES - 10,
            FLUSH_BYTES + 110
        ));
    }

    #[test]
    fn lines_pushed_while_the_writer_writes_are_written_without_a_wake_up() {
        let kept = Kept::default();
        let sink = BufferedSink::new(
            Box::new(kept.clone()),
            Duration::from_millis(5),
            Duration::from_secs(5),
            Box::new(|_| Vec::new()),
        );
        sink.start_writer();
        // The writer takes the first line's batch and stays inside `write`.
        kept.stall(true);
        sink.push(b"one\n", false);
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let state = lock(&sink.shared.state);
            if state.bytes.is_empty() && state.done < state.accepted {
                assert_eq!(state.writer_waits, WriterWait::Nothing, "it is writing");
                break;
            }
            drop(state);
            assert!(Instant::now() < deadline, "the writer took the batch");
            std::thread::sleep(Duration::from_millis(1));
        }
        let woken_before = lock(&sink.shared.state).line_wakeups;
        sink.push(b"two\n", false);
        sink.push(b"three\n", false);
        assert_eq!(
            lock(&sink.shared.state).line_wakeups,
            woken_before,
            "nobody was woken: the writer is still writing"
        );
        kept.stall(false);
        kept.wait_for("one\ntwo\nthree\n".len(), Duration::from_secs(5));
        assert_eq!(kept.text(), "one\ntwo\nthree\n");
    }
}
