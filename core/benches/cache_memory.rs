//! Resident memory of the token cache, and its cap.
//!
//! 1. Fills 10,000 distinct cache keys (one organization each) with a cap of 10,000 and
//!    reports the process's resident memory (`VmRSS`) before and after.
//! 2. Fills 20,000 distinct keys with a cap of 10,000 on a fresh engine and checks after every
//!    batch that `cached_token_count()` never exceeds the cap.
//!
//! The emulator runs in a child process (this same binary, re-executed), so its request log
//! and signing work do not count towards the measured process. Results are printed and
//! written to `target/bench/cache_memory.json` for `scripts/bench`.
//!
//! Run with `cargo bench -p clerk-core --bench cache_memory` (or `scripts/bench`).

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use clerk_core::{Clerk, ClerkConfig, GetTokenOptions, ManualClock, MemoryTokenStore};
use clerk_emulator::{DEFAULT_START_MS, Emulator, EmulatorConfig, Organization, Route};
use futures::future::join_all;

/// Counts live heap bytes, so the cache's own footprint is known exactly (RSS also holds
/// allocator slack and whatever else the process touched).
struct Counting;

static LIVE_BYTES: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE_BYTES.fetch_add(new_size, Ordering::Relaxed);
        LIVE_BYTES.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live_heap() -> u64 {
    LIVE_BYTES.load(Ordering::Relaxed) as u64
}

const CHILD_ENV: &str = "CLERK_CACHE_MEMORY_EMULATOR";
const CAP: usize = 10_000;
/// Keys requested at once; the emulator signs one RS256 token per key.
const BATCH: usize = 16;
/// Requests made before the "before" reading (see `Device::warm_up`).
const WARM_UP_REQUESTS: usize = 2_000;

fn main() {
    if std::env::var_os(CHILD_ENV).is_some() {
        serve_emulator();
        return;
    }
    // `cargo bench` passes `--bench`; under `cargo test` (no flag) only a small smoke run.
    let full = std::env::args().any(|a| a == "--bench");
    let (keys, overfill) = if full { (CAP, 2 * CAP) } else { (200, 400) };
    let cap = if full { CAP } else { 200 };

    let started = Instant::now();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let mut emu = ChildEmulator::spawn();
    let rss_start = rss_kib();

    // Phase 1: `keys` distinct keys under a cap that holds them all.
    let device = Device::sign_in(&rt, &mut emu, cap);
    device.warm_up(&rt, if full { WARM_UP_REQUESTS } else { 2 * BATCH });
    let (rss_before, heap_before) = (rss_kib(), live_heap());
    let fill = device.fill(&rt, &mut emu, 0..keys);
    let (rss_after, heap_after) = (rss_kib(), live_heap());
    let rss_after_trim = trimmed_rss_kib();
    assert_eq!(device.clerk.cached_token_count(), keys.min(cap), "every key is cached");
    drop(device);

    // Phase 2: twice as many keys as the cap, on a fresh engine.
    let device = Device::sign_in(&rt, &mut emu, cap);
    let overfilled = device.fill(&rt, &mut emu, 0..overfill);
    let final_count = device.clerk.cached_token_count();
    assert!(overfilled.max_count <= cap, "the cache held {} tokens; the cap is {cap}", overfilled.max_count);
    assert_eq!(final_count, cap, "a full cache stays full");
    let rss_after_overfill = rss_kib();
    drop(device);
    emu.stop();

    let delta = rss_after.saturating_sub(rss_before);
    let delta_trim = rss_after_trim.saturating_sub(rss_before);
    let heap = heap_after.saturating_sub(heap_before);
    let mib = |kib: u64| kib as f64 / 1024.0;
    println!("cache_memory: {keys} keys (cap {cap}), tokens of {} bytes on average", fill.jwt_bytes / keys as u64);
    println!("  VmRSS after start-up        {:>8.1} MiB", mib(rss_start));
    println!("  VmRSS signed in (before)    {:>8.1} MiB", mib(rss_before));
    println!("  VmRSS after {keys} keys    {:>8.1} MiB  (+{:.1} MiB, {} B/key)", mib(rss_after), mib(delta), delta * 1024 / keys as u64);
    println!("  ... after malloc_trim       {:>8.1} MiB  (+{:.1} MiB, {} B/key)", mib(rss_after_trim), mib(delta_trim), delta_trim * 1024 / keys as u64);
    println!("  live heap allocated by it   {:>8.1} MiB  ({} B/key)", heap as f64 / 1048576.0, heap / keys as u64);
    println!("  JWT bytes held              {:>8.1} MiB", fill.jwt_bytes as f64 / 1048576.0);
    println!("  {overfill} keys with cap {cap}: at most {} cached, {final_count} at the end; VmRSS {:.1} MiB", overfilled.max_count, mib(rss_after_overfill));
    println!("  requests per key: {}; {:.1} s in all", fill.requests as f64 / keys as f64, started.elapsed().as_secs_f64());
    assert_eq!(fill.requests, keys as u64, "one request per key");

    if full {
        let json = serde_json::json!({
            "keys": keys,
            "cap": cap,
            "warm_up_requests": WARM_UP_REQUESTS,
            "rss_start_kib": rss_start,
            "rss_before_kib": rss_before,
            "rss_after_kib": rss_after,
            "rss_after_trim_kib": rss_after_trim,
            "delta_kib": delta,
            "delta_trim_kib": delta_trim,
            "heap_delta_bytes": heap,
            "jwt_bytes": fill.jwt_bytes,
            "requests": fill.requests,
            "overfill_keys": overfill,
            "overfill_max_count": overfilled.max_count,
            "overfill_final_count": final_count,
            "rss_after_overfill_kib": rss_after_overfill,
            "seconds": started.elapsed().as_secs_f64(),
        });
        let dir = results_dir();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("cache_memory.json"), serde_json::to_string_pretty(&json).unwrap()).unwrap();
    }
}

struct Device {
    clerk: Clerk,
    session: clerk_core::Session,
}

struct Filled {
    jwt_bytes: u64,
    requests: u64,
    max_count: usize,
}

impl Device {
    fn sign_in(rt: &tokio::runtime::Runtime, emu: &mut ChildEmulator, cap: usize) -> Device {
        // The clock never moves: every token stays fresh while the cache fills.
        let config = ClerkConfig::from_frontend_api_url(&emu.url)
            .unwrap()
            .with_clock(Arc::new(ManualClock::new(DEFAULT_START_MS)))
            .with_token_store(Arc::new(MemoryTokenStore::new()))
            .with_max_cached_tokens(cap);
        let clerk = Clerk::with_runtime(config, rt.handle().clone()).unwrap();
        let ticket = emu.ask("ticket");
        let session = rt.block_on(clerk.sign_in_with_ticket(&ticket)).expect("sign-in succeeds");
        emu.ask("reset");
        Device { clerk, session }
    }

    /// Brings the engine to the state it is in after a while of use, so that the fill measures
    /// the cache and not the transport settling in: the pooled connections, their buffers and
    /// queues grow for the first thousand requests or so (about 0.8 MiB in all, however many
    /// keys follow). The warm-up makes `requests` requests, `BATCH` at a time like the fill,
    /// for a JWT template that does not exist: the server answers 404 and nothing is cached.
    fn warm_up(&self, rt: &tokio::runtime::Runtime, requests: usize) {
        let cached = self.clerk.cached_token_count();
        for batch in 0..requests.div_ceil(BATCH) {
            let calls = (0..BATCH).map(|n| {
                self.session.get_token(GetTokenOptions::template(format!("no_such_template_{}", batch * BATCH + n)))
            });
            for result in rt.block_on(join_all(calls)) {
                assert!(result.is_err(), "an unknown template is an error");
            }
        }
        assert!(self.session.is_active(), "a 404 for a template does not end the session");
        assert_eq!(self.clerk.cached_token_count(), cached, "the warm-up caches nothing");
    }

    /// Fetches one token per key in `range` (organization `org_bench_<n>`).
    fn fill(&self, rt: &tokio::runtime::Runtime, emu: &mut ChildEmulator, range: std::ops::Range<usize>) -> Filled {
        let mut filled = Filled { jwt_bytes: 0, requests: 0, max_count: 0 };
        for (n, start) in range.clone().step_by(BATCH).enumerate() {
            let batch = start..(start + BATCH).min(range.end);
            let calls = batch.map(|k| {
                let options = GetTokenOptions { organization_id: Some(format!("org_bench_{k}")), ..Default::default() };
                self.session.get_token(options)
            });
            for token in rt.block_on(join_all(calls)) {
                filled.jwt_bytes += token.expect("no error").expect("a token").jwt.len() as u64;
            }
            filled.max_count = filled.max_count.max(self.clerk.cached_token_count());
            // Counted and cleared as it goes, so the emulator's request log stays small.
            if n % 64 == 63 {
                filled.requests += emu.ask("take").parse::<u64>().unwrap();
            }
        }
        filled.requests += emu.ask("take").parse::<u64>().unwrap();
        filled
    }
}

/// The emulator in a child process, driven by one-line commands on its stdin.
struct ChildEmulator {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    url: String,
}

impl ChildEmulator {
    fn spawn() -> ChildEmulator {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .env(CHILD_ENV, "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the emulator process starts");
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let url = line.trim().strip_prefix("CLERK_EMULATOR_URL=").expect("the emulator prints its URL").to_string();
        ChildEmulator { child, stdin, stdout, url }
    }

    fn ask(&mut self, command: &str) -> String {
        writeln!(self.stdin, "{command}").unwrap();
        self.stdin.flush().unwrap();
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        line.trim().to_string()
    }

    fn stop(self) {
        let ChildEmulator { mut child, stdin, .. } = self;
        drop(stdin);
        child.wait().unwrap();
    }
}

/// Child side: `ticket` → a sign-in ticket; `reset` → clears counts; `take` → the session
/// token requests since the last `take`/`reset`, then clears. Exits when stdin closes.
fn serve_emulator() {
    // The emulator mints organization tokens only for members, as Clerk does.
    let organizations = (0..2 * CAP)
        .map(|k| Organization::new(format!("org_bench_{k}"), format!("bench-{k}")).member("user_memory", "org:member"))
        .collect();
    let config = EmulatorConfig { organizations, ..EmulatorConfig::default() };
    let emu = Emulator::start_blocking(config).expect("emulator starts");
    let mut out = std::io::stdout().lock();
    writeln!(out, "CLERK_EMULATOR_URL={}", emu.url()).unwrap();
    out.flush().unwrap();
    for line in std::io::stdin().lock().lines() {
        let reply = match line.unwrap().trim() {
            "ticket" => emu.create_sign_in_token("user_memory").token,
            "reset" => {
                emu.reset_counts();
                "ok".to_string()
            }
            "take" => {
                let made = emu.count(Route::SessionToken);
                emu.reset_counts();
                made.to_string()
            }
            other => panic!("unknown command {other:?}"),
        };
        writeln!(out, "{reply}").unwrap();
        out.flush().unwrap();
    }
}

fn results_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"))
        .join("bench")
}

/// `VmRSS` of this process, in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status (Linux)");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/self/status")
}

/// `VmRSS` after handing freed heap pages back to the system, i.e. what is really held.
fn trimmed_rss_kib() -> u64 {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            fn malloc_trim(pad: usize) -> i32;
        }
        // SAFETY: glibc's malloc_trim only releases free memory; it has no preconditions.
        unsafe {
            malloc_trim(0);
        }
    }
    rss_kib()
}
