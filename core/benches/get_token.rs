//! get_token against the emulator on loopback: cache hits, cold fetches shared by concurrent
//! callers, `skip_cache` callers, and one refresh next to a raw reqwest POST of the same
//! request (end to end, and with a canned response that leaves out the emulator's signing). How many requests each case makes is correctness, not timing: it is asserted
//! while the benchmark runs (a wrong count panics) and written to
//! `target/bench/requests.json` for `scripts/bench`.
//!
//! Run with `cargo bench -p clerk-core --bench get_token` (or `scripts/bench`).

use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clerk_core::{CLERK_API_VERSION, Clerk, ClerkConfig, GetTokenOptions, ManualClock, MemoryTokenStore, Session, TokenStore as _};
use clerk_emulator::{DEFAULT_START_MS, Emulator, EmulatorConfig, Fault, FaultRule, Route};
use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use tokio::runtime::Runtime;

/// Session tokens live 60 s; moving the clock this far makes the cached one useless.
const EXPIRE: Duration = Duration::from_secs(61);

struct Bench {
    rt: Runtime,
    emu: Emulator,
    clock: ManualClock,
    store: Arc<MemoryTokenStore>,
    config: ClerkConfig,
    clerk: Clerk,
    session: Session,
    /// Requests made per iteration, by benchmark id (min, max, iterations).
    requests: Mutex<BTreeMap<String, (u64, u64, u64)>>,
}

impl Bench {
    fn new() -> Bench {
        // Two workers, so callers and the requests they wait for run side by side.
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        // Every cold-fetch iteration moves time by a minute; keep the session alive for all of them.
        let emu_config = EmulatorConfig { session_lifetime_secs: 10 * 365 * 24 * 3600, ..EmulatorConfig::default() };
        let emu = rt.block_on(Emulator::start(emu_config)).expect("emulator starts");
        let clock = ManualClock::new(DEFAULT_START_MS);
        let server_clock = emu.clock().clone();
        clock.on_change(move |now| server_clock.set_ms(now));
        let store = Arc::new(MemoryTokenStore::new());
        let config = ClerkConfig::from_frontend_api_url(emu.url())
            .unwrap()
            .with_clock(Arc::new(clock.clone()))
            .with_token_store(store.clone());
        let clerk = Clerk::with_runtime(config.clone(), rt.handle().clone()).expect("engine starts");
        let ticket = emu.create_sign_in_token("user_bench").token;
        let session = rt.block_on(clerk.sign_in_with_ticket(&ticket)).expect("sign-in succeeds");
        emu.reset_counts();
        Bench { rt, emu, clock, store, config, clerk, session, requests: Mutex::default() }
    }

    fn token_requests(&self) -> u64 {
        self.emu.count(Route::SessionToken)
    }

    /// Records (and checks) the requests made by one iteration of `id`.
    fn record(&self, id: &str, made: u64, expected: u64) {
        assert_eq!(made, expected, "{id}: {made} requests made, expected {expected}");
        let mut requests = self.requests.lock().unwrap();
        let entry = requests.entry(id.to_string()).or_insert((u64::MAX, 0, 0));
        *entry = (entry.0.min(made), entry.1.max(made), entry.2 + 1);
    }

    fn write_requests(&self) {
        let dir = results_dir();
        std::fs::create_dir_all(&dir).unwrap();
        let requests = self.requests.lock().unwrap();
        let json: serde_json::Map<String, serde_json::Value> = requests
            .iter()
            .map(|(id, (min, max, iterations))| {
                (id.clone(), serde_json::json!({"min": min, "max": max, "iterations": iterations}))
            })
            .collect();
        std::fs::write(dir.join("requests.json"), serde_json::to_string_pretty(&json).unwrap()).unwrap();
    }
}

/// Where `scripts/bench` finds what criterion does not record.
fn results_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"))
        .join("bench")
}

fn cache_hits(c: &mut Criterion, bench: &Bench) {
    let session = &bench.session;
    let options = GetTokenOptions::default();
    bench.rt.block_on(session.get_token(options.clone())).unwrap().expect("a token");
    assert!(session.cached_token(&options).is_some(), "a fresh token is cached");
    let before = bench.token_requests();

    let mut group = c.benchmark_group("cache_hit");
    group.warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    group.bench_function("get_token", |b| {
        b.to_async(&bench.rt).iter(|| async { black_box(session.get_token(options.clone()).await.unwrap()) })
    });
    group.bench_function("cached_token", |b| b.iter(|| black_box(session.cached_token(black_box(&options)))));
    // The same hit with an app listening to the metrics: a hit only counts, it sends no record.
    let mut records = bench.clerk.request_metrics();
    let draining = bench.rt.spawn(async move { while records.next().await.is_some() {} });
    group.bench_function("get_token_observed", |b| {
        b.to_async(&bench.rt).iter(|| async { black_box(session.get_token(options.clone()).await.unwrap()) })
    });
    draining.abort();
    group.finish();
    let made = bench.token_requests() - before;
    bench.record("cache_hit", made, 0);
}

/// Offline: the time to the typed error for a call that needs the network (no request), and
/// from the network's return to a fresh token in the cache, refreshed by the engine itself.
fn network_life(c: &mut Criterion, bench: &Bench) {
    let mut group = c.benchmark_group("network_life");
    group.warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    let session = &bench.session;
    let forced = GetTokenOptions { skip_cache: true, ..GetTokenOptions::default() };
    let before = bench.token_requests();
    bench.clerk.set_online(false);
    group.bench_function("offline_error", |b| {
        b.to_async(&bench.rt).iter(|| async {
            let error = session.get_token(forced.clone()).await.unwrap_err();
            assert!(matches!(error, clerk_core::Error::Offline { .. }), "{error:?}");
            black_box(error)
        })
    });
    bench.clerk.set_online(true);
    bench.record("network_life/offline_error", bench.token_requests() - before, 0);

    // An engine with background refresh, as apps have it, on the same clock and server.
    let refreshing = Clerk::with_runtime(bench.config.clone().with_auto_refresh(true), bench.rt.handle().clone()).unwrap();
    let ticket = bench.emu.create_sign_in_token("user_bench").token;
    let session = bench.rt.block_on(refreshing.sign_in_with_ticket(&ticket)).unwrap();
    let options = GetTokenOptions::default();
    group.sampling_mode(SamplingMode::Flat).sample_size(10);
    group.bench_function("reconnect_to_fresh_token", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                refreshing.set_online(false);
                bench.clock.advance(EXPIRE);
                assert!(session.cached_token(&options).is_none(), "expired while offline");
                let before = bench.token_requests();
                let started = Instant::now();
                refreshing.set_online(true);
                bench.rt.block_on(async {
                    while session.cached_token(&options).is_none() {
                        tokio::task::yield_now().await;
                    }
                });
                total += started.elapsed();
                bench.record("network_life/reconnect_to_fresh_token", bench.token_requests() - before, 1);
            }
            total
        })
    });
    group.finish();
}

fn cold_fetches(c: &mut Criterion, bench: &Bench) {
    let mut group = c.benchmark_group("cold_fetch");
    group.sampling_mode(SamplingMode::Flat).sample_size(10);
    group.warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
    for callers in [1usize, 10, 100, 1_000] {
        let id = format!("cold_fetch/{callers}_callers");
        group.bench_function(format!("{callers}_callers"), |b| {
            b.to_async(&bench.rt).iter_custom(|iters| {
                let id = id.clone();
                async move {
                    let mut elapsed = Duration::ZERO;
                    for _ in 0..iters {
                        bench.clock.advance(EXPIRE);
                        bench.emu.reset_counts();
                        let started = Instant::now();
                        let calls: Vec<_> = (0..callers)
                            .map(|_| tokio::spawn(bench.session.get_token(GetTokenOptions::default())))
                            .collect();
                        for call in calls {
                            black_box(call.await.unwrap().unwrap().expect("a token"));
                        }
                        elapsed += started.elapsed();
                        bench.record(&id, bench.token_requests(), 1);
                    }
                    elapsed
                }
            })
        });
    }
    group.finish();
}

fn skip_cache_callers(c: &mut Criterion, bench: &Bench) {
    let skip_cache = GetTokenOptions { skip_cache: true, ..GetTokenOptions::default() };
    let mut group = c.benchmark_group("skip_cache");
    group.sampling_mode(SamplingMode::Flat).sample_size(10);
    group.warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
    group.bench_function("100_callers", |b| {
        b.to_async(&bench.rt).iter_custom(|iters| {
            let skip_cache = skip_cache.clone();
            async move {
                let mut elapsed = Duration::ZERO;
                for _ in 0..iters {
                    bench.emu.reset_counts();
                    let started = Instant::now();
                    // Every call begins (takes its ticket) before any request starts.
                    let calls: Vec<_> = (0..100).map(|_| bench.session.get_token(skip_cache.clone())).collect();
                    let calls: Vec<_> = calls.into_iter().map(tokio::spawn).collect();
                    for call in calls {
                        black_box(call.await.unwrap().unwrap().expect("a token"));
                    }
                    elapsed += started.elapsed();
                    bench.record("skip_cache/100_callers", bench.token_requests(), 1);
                }
                elapsed
            }
        })
    });
    group.finish();
}

/// One `skip_cache` refresh through the engine, and the same request sent with reqwest alone.
/// `refresh/*` is end to end: the emulator mints (RS256-signs) a token per request, which
/// dominates. `refresh_canned/*` has the emulator answer the same request with a fixed token
/// body, so what remains is loopback HTTP plus, for the engine, its own work. Both loops run in
/// a task on the runtime's workers, as an app's callers would.
fn refresh_overhead(c: &mut Criterion, bench: &Bench) {
    let skip_cache = GetTokenOptions { skip_cache: true, ..GetTokenOptions::default() };
    let raw = Arc::new(RawRequest::new(bench));
    // Both clients have a warm connection before timing starts.
    let body = bench.rt.block_on(raw.send());
    bench.rt.block_on(bench.session.get_token(skip_cache.clone())).unwrap().expect("a token");
    refresh_pair(c, bench, "refresh", &raw);

    // A real token response, replayed for every request until the group ends.
    let body = String::from_utf8(body.to_vec()).unwrap();
    bench.emu.inject(FaultRule::new(Route::SessionToken, Fault::raw_body(200, "application/json", body)).times(u32::MAX));
    refresh_pair(c, bench, "refresh_canned", &raw);
    bench.emu.clear_faults();
    bench.emu.reset_counts();
}

fn refresh_pair(c: &mut Criterion, bench: &Bench, group_name: &str, raw: &Arc<RawRequest>) {
    let skip_cache = GetTokenOptions { skip_cache: true, ..GetTokenOptions::default() };
    let mut group = c.benchmark_group(group_name);
    group.sampling_mode(SamplingMode::Flat).sample_size(10);
    group.warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
    let engine_id = format!("{group_name}/get_token_skip_cache");
    group.bench_function("get_token_skip_cache", |b| {
        b.to_async(&bench.rt).iter_custom(|iters| {
            let (skip_cache, session, id) = (skip_cache.clone(), bench.session.clone(), engine_id.clone());
            async move {
                let before = bench.token_requests();
                let elapsed = tokio::spawn(async move {
                    let started = Instant::now();
                    for _ in 0..iters {
                        black_box(session.get_token(skip_cache.clone()).await.unwrap().expect("a token"));
                    }
                    started.elapsed()
                })
                .await
                .unwrap();
                let made = bench.token_requests() - before;
                assert_eq!(made, iters, "{id}: one request per refresh");
                bench.record(&id, made / iters, 1);
                elapsed
            }
        })
    });
    let raw_id = format!("{group_name}/raw_reqwest");
    group.bench_function("raw_reqwest", |b| {
        b.to_async(&bench.rt).iter_custom(|iters| {
            let (raw, id) = (raw.clone(), raw_id.clone());
            async move {
                let before = bench.token_requests();
                let elapsed = tokio::spawn(async move {
                    let started = Instant::now();
                    for _ in 0..iters {
                        black_box(raw.send().await);
                    }
                    started.elapsed()
                })
                .await
                .unwrap();
                let made = bench.token_requests() - before;
                assert_eq!(made, iters, "{id}: one request per POST");
                bench.record(&id, made / iters, 1);
                elapsed
            }
        })
    });
    group.finish();
}

/// `POST /v1/client/sessions/{id}/tokens?_is_native=true` exactly as the engine sends it:
/// same URL, headers, (empty) form body and device token.
struct RawRequest {
    http: reqwest::Client,
    url: String,
    sdk: String,
    device_token: String,
}

impl RawRequest {
    fn new(bench: &Bench) -> RawRequest {
        let http = reqwest::Client::builder()
            .timeout(bench.config.request_timeout)
            .connect_timeout(bench.config.connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let base = bench.emu.url().trim_end_matches('/');
        RawRequest {
            http,
            url: format!("{base}/v1/client/sessions/{}/tokens?_is_native=true", bench.session.id()),
            sdk: format!("{}/{}", bench.config.sdk_name, bench.config.sdk_version),
            device_token: bench.store.load().expect("signed in, so a device token is stored"),
        }
    }

    async fn send(&self) -> bytes::Bytes {
        let no_fields: &[(&str, &str)] = &[];
        let response = self
            .http
            .post(&self.url)
            .header("clerk-api-version", CLERK_API_VERSION)
            .header("x-mobile", "1")
            .header("x-clerk-sdk", &self.sdk)
            .header(reqwest::header::AUTHORIZATION, &self.device_token)
            .form(no_fields)
            .send()
            .await
            .expect("the emulator answers");
        assert!(response.status().is_success(), "raw request failed: {}", response.status());
        response.bytes().await.unwrap()
    }
}

fn benches(c: &mut Criterion) {
    let bench = Bench::new();
    cache_hits(c, &bench);
    network_life(c, &bench);
    cold_fetches(c, &bench);
    skip_cache_callers(c, &bench);
    refresh_overhead(c, &bench);
    assert_eq!(bench.clerk.requests_in_flight(), 0);
    // Only a measuring run (`cargo bench` passes `--bench`) replaces the recorded counts.
    if std::env::args().any(|a| a == "--bench") {
        bench.write_requests();
    }
}

criterion_group!(get_token, benches);
criterion_main!(get_token);
