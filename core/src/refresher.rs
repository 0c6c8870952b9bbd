//! Keeps the active session's token fresh in the background, so that callers find a fresh token
//! in the cache instead of waiting on the network when the old one goes stale.
//!
//! One task per engine. It sleeps on the injected clock until shortly before the token would
//! become stale for the largest expiration buffer callers use, then refreshes it through the
//! same single-flight path as `get_token` (a caller arriving meanwhile joins that request).
//! While paused (app in the background) or offline it runs no timer at all; back online, it
//! drops its backoff and looks at once.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::sync::Notify;

use crate::clock::Clock;
use crate::error::Error;
#[cfg(feature = "testing")]
use crate::settle::{Phase, Progress};
use crate::token::{DEFAULT_EXPIRATION_BUFFER, MAX_EXPIRATION_BUFFER, TokenResource};

/// A refresh starts this long (plus jitter) before the token turns stale, so it lands before
/// any caller sees a stale token.
const LEAD: Duration = Duration::from_secs(2);
/// Spreads refreshes of many devices that signed in together.
const LEAD_JITTER: Duration = Duration::from_secs(3);
/// Backoff after failed refreshes: doubling from the base, capped.
const BACKOFF_BASE: Duration = Duration::from_secs(1);
const BACKOFF_MAX: Duration = Duration::from_secs(60);

/// All the refresher sees of the engine, so that it can be tested alone.
pub(crate) trait RefreshTarget: Send + Sync + 'static {
    /// The server's clock (Unix milliseconds), which token lifetimes are measured in.
    fn server_now_ms(&self) -> i64;

    /// The active session and its cached session token: what the refresher keeps fresh.
    fn session_token(&self) -> Option<(String, TokenResource)>;

    /// Replaces `stale`, the session token the refresher planned for, sharing the request with
    /// any caller fetching the same key. A newer token already cached is returned as is;
    /// `Ok(None)` once the session has ended.
    fn refresh(
        self: Arc<Self>,
        session_id: String,
        stale: &TokenResource,
    ) -> impl Future<Output = Result<Option<TokenResource>, Error>> + Send;
}

/// Shared between the engine and its refresher task.
pub(crate) struct RefreshControl {
    wake: Notify,
    paused: AtomicBool,
    offline: AtomicBool,
    /// Reconnections so far: the run loop drops its backoff when this moves.
    reconnects: AtomicU64,
    stopped: AtomicBool,
    /// The largest expiration buffer asked of the session token so far, in milliseconds.
    buffer_ms: AtomicU64,
    #[cfg(feature = "testing")]
    pub progress: Arc<Progress>,
}

impl RefreshControl {
    /// `enabled`: whether a refresher task runs for this engine, which only `settled` asks.
    pub fn new(#[cfg_attr(not(feature = "testing"), expect(unused_variables))] enabled: bool) -> Self {
        Self {
            wake: Notify::new(),
            paused: AtomicBool::new(false),
            offline: AtomicBool::new(false),
            reconnects: AtomicU64::new(0),
            stopped: AtomicBool::new(false),
            buffer_ms: AtomicU64::new(DEFAULT_EXPIRATION_BUFFER.as_millis() as u64),
            #[cfg(feature = "testing")]
            progress: Arc::new(Progress::new(enabled)),
        }
    }

    /// Something the plan depends on changed (token, session, pause state).
    pub fn wake(&self) {
        #[cfg(feature = "testing")]
        self.progress.woke();
        self.wake.notify_one();
    }

    pub fn pause(&self) {
        self.paused.store(true, Ordering::SeqCst);
        self.wake();
    }

    pub fn resume(&self) {
        self.paused.store(false, Ordering::SeqCst);
        self.wake();
    }

    /// The device lost its network: nothing to plan until it returns.
    pub fn offline(&self) {
        self.offline.store(true, Ordering::SeqCst);
        self.wake();
    }

    /// The network returned: a refresh waiting out a backoff goes at once.
    pub fn reconnected(&self) {
        self.offline.store(false, Ordering::SeqCst);
        self.reconnects.fetch_add(1, Ordering::SeqCst);
        self.wake();
    }

    /// When the proactive-refresh window of `token` opens at the earliest (server milliseconds):
    /// the largest buffer callers use plus the longest lead the refresher draws.
    pub fn window_opens_ms(&self, token: &TokenResource) -> i64 {
        let buffer_ms = self.buffer_ms.load(Ordering::Relaxed) as i64;
        due_ms(token, buffer_ms, (LEAD + LEAD_JITTER).as_millis() as i64)
    }

    pub fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        self.wake();
    }

    /// Remembers that a caller wants the session token fresh for `buffer`. A relaxed load on
    /// the cache-hit path; a write only when the buffer grows.
    pub fn note_buffer(&self, buffer: Duration) {
        let ms = buffer.min(MAX_EXPIRATION_BUFFER).as_millis() as u64;
        if ms > self.buffer_ms.load(Ordering::Relaxed) {
            self.buffer_ms.fetch_max(ms, Ordering::Relaxed);
        }
    }

    #[cfg(feature = "testing")]
    pub async fn settled(&self, clock: &dyn Clock) {
        self.progress.settled(clock).await;
    }
}

/// The refresh lead of one token, drawn once per token so that re-planning after a wake does
/// not move its refresh time around.
struct Lead {
    token: (i64, i64),
    lead_ms: i64,
}

impl Lead {
    fn for_token(&mut self, token: &TokenResource) -> i64 {
        let id = (token.issued_at, token.expires_at);
        if self.token != id {
            let jitter = LEAD_JITTER.as_millis() as f64 * fastrand::f64();
            *self = Lead {
                token: id,
                lead_ms: LEAD.as_millis() as i64 + jitter as i64,
            };
        }
        self.lead_ms
    }
}

/// When to refresh `token`, in server milliseconds: `lead` before it turns stale for `buffer`,
/// but never in the first half of its life, so a buffer as long as the token's lifetime cannot
/// make the refresher spin.
fn due_ms(token: &TokenResource, buffer_ms: i64, lead_ms: i64) -> i64 {
    let (issued, expires) = (token.issued_at * 1000, token.expires_at * 1000);
    (expires - buffer_ms - lead_ms).max(issued + (expires - issued) / 2)
}

#[derive(Default)]
struct Backoff {
    failures: u32,
    /// No refresh before this server time.
    not_before_ms: i64,
}

impl Backoff {
    fn failed(&mut self, error: Option<&Error>, now_ms: i64) {
        let ceiling = BACKOFF_BASE
            .saturating_mul(1 << self.failures.min(16))
            .min(BACKOFF_MAX);
        let half = ceiling / 2;
        let mut delay = half + half.mul_f64(fastrand::f64());
        if let Some(asked) = error.and_then(Error::api).and_then(|api| api.retry_after) {
            delay = delay.max(asked);
        }
        self.failures += 1;
        self.not_before_ms = now_ms + delay.as_millis() as i64;
    }

    fn succeeded(&mut self) {
        *self = Backoff::default();
    }
}

enum Step {
    Wait,
    Sleep(i64),
    Refresh {
        session_id: String,
        token: TokenResource,
    },
}

/// The refresher's task. It holds the engine weakly, so dropping the last `Clerk` ends it.
pub(crate) async fn run<T: RefreshTarget>(target: Weak<T>, control: Arc<RefreshControl>, clock: Arc<dyn Clock>) {
    let mut lead = Lead {
        token: (0, 0),
        lead_ms: 0,
    };
    let mut backoff = Backoff::default();
    let mut reconnects = control.reconnects.load(Ordering::SeqCst);
    // Back online after the token expired offline: the app's next call should not wait on
    // the network, so this one late refresh is made (the network, not the app, was away).
    let mut just_reconnected = false;
    loop {
        // What `settled` is told; nothing is reported without the test hooks.
        #[cfg(feature = "testing")]
        let seen = control.progress.wakes();
        if control.stopped.load(Ordering::SeqCst) {
            #[cfg(feature = "testing")]
            control.progress.set(Phase::Stopped, seen);
            return;
        }
        if control.paused.load(Ordering::SeqCst) || control.offline.load(Ordering::SeqCst) {
            #[cfg(feature = "testing")]
            control.progress.set(Phase::Paused, seen);
            control.wake.notified().await;
            continue;
        }
        let now_reconnects = control.reconnects.load(Ordering::SeqCst);
        if now_reconnects != reconnects {
            reconnects = now_reconnects;
            backoff.succeeded();
            just_reconnected = true;
        }
        #[cfg(feature = "testing")]
        control.progress.set(Phase::Working, seen);
        let Some(engine) = target.upgrade() else {
            return;
        };
        // The plan's instant on the device clock too: a sleep measured from a later reading
        // would overshoot by however far the clock moved while planning (a test's `advance`
        // landing in between made the refresher sleep past a refresh that was due).
        let planned_at = clock.now_ms();
        let now = engine.server_now_ms();
        let late_refresh_allowed = std::mem::take(&mut just_reconnected);
        let step = match engine.session_token() {
            // Expired while the app was suspended: the next `get_token` fetches on demand. A
            // refresh this late must not be the request that finds out the session is gone.
            Some((_, token)) if token.is_expired(now) && !late_refresh_allowed => Step::Wait,
            Some((session_id, token)) if token.is_expired(now) => Step::Refresh { session_id, token },
            Some((session_id, token)) => {
                let buffer_ms = control.buffer_ms.load(Ordering::Relaxed) as i64;
                let due =
                    due_ms(&token, buffer_ms, lead.for_token(&token)).max(backoff.not_before_ms);
                if due <= now {
                    Step::Refresh { session_id, token }
                } else {
                    Step::Sleep(due - now)
                }
            }
            None => Step::Wait,
        };
        match step {
            Step::Wait => {
                drop(engine);
                #[cfg(feature = "testing")]
                control.progress.set(Phase::Waiting, seen);
                control.wake.notified().await;
            }
            Step::Sleep(ms) => {
                drop(engine);
                let before = planned_at;
                #[cfg(feature = "testing")]
                control.progress.set(Phase::Sleeping { until_ms: before + ms }, seen);
                let slept = tokio::select! {
                    () = clock.sleep_until(before + ms) => true,
                    () = control.wake.notified() => false,
                };
                // A clock whose sleeps return without time passing (a test clock that only
                // records sleeps) would make this loop spin: wait for a change instead.
                if slept && clock.now_ms() == before {
                    control.wake.notified().await;
                }
            }
            Step::Refresh { session_id, token } => {
                tracing::debug!(session = %session_id, "refreshing the session token ahead of expiry");
                let result = engine.clone().refresh(session_id, &token).await;
                let now = engine.server_now_ms();
                drop(engine);
                match result {
                    Ok(Some(fresh)) if fresh.expires_at > token.expires_at => backoff.succeeded(),
                    // The session ended; the next plan finds nothing to refresh.
                    Ok(None) => backoff.succeeded(),
                    // The server answered with a token no newer than the old one.
                    Ok(Some(_)) => backoff.failed(None, now),
                    Err(error) => {
                        tracing::debug!(%error, failures = backoff.failures + 1, "background refresh failed");
                        backoff.failed(Some(&error), now);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::AtomicU32;

    use super::*;
    use crate::clock::{ManualClock, SleepMode};

    /// Issue time of the first token, in Unix seconds.
    const T0: i64 = 1_000_000;

    fn token(iat: i64, exp: i64) -> TokenResource {
        TokenResource {
            jwt: "jwt".into(),
            expires_at: exp,
            issued_at: iat,
            oiat: Some(iat),
        }
    }

    #[test]
    fn refresh_is_due_lead_before_the_buffer_but_not_in_the_first_half_of_life() {
        let t = token(1_000, 1_060);
        assert_eq!(due_ms(&t, 10_000, 3_000), 1_047_000);
        assert_eq!(due_ms(&t, 60_000, 3_000), 1_030_000, "half-life floor");
    }

    #[test]
    fn backoff_doubles_is_capped_and_honours_retry_after() {
        let mut backoff = Backoff::default();
        let mut previous_ceiling = 0;
        for failure in 0..10u32 {
            backoff.failed(None, 0);
            let ceiling = (BACKOFF_BASE.as_millis() as i64 * (1 << failure))
                .min(BACKOFF_MAX.as_millis() as i64);
            assert!(
                backoff.not_before_ms >= ceiling / 2 && backoff.not_before_ms <= ceiling,
                "{failure}"
            );
            assert!(ceiling >= previous_ceiling);
            previous_ceiling = ceiling;
        }
        let asked = Error::Api(crate::error::ApiError {
            status: 429,
            errors: vec![],
            clerk_trace_id: None,
            retry_after: Some(Duration::from_secs(90)),
        });
        backoff.failed(Some(&asked), 1_000);
        assert_eq!(backoff.not_before_ms, 91_000);
        backoff.succeeded();
        assert_eq!((backoff.failures, backoff.not_before_ms), (0, 0));
    }

    #[test]
    fn a_lead_is_drawn_once_per_token() {
        let mut lead = Lead {
            token: (0, 0),
            lead_ms: 0,
        };
        let first = lead.for_token(&token(1, 61));
        assert!((2_000..=5_000).contains(&first));
        assert_eq!(lead.for_token(&token(1, 61)), first);
    }

    /// An engine with one signed-in session whose token lives 60 s. Its refreshes fail while
    /// `failures_left` lasts, then mint a new token.
    struct FakeTarget {
        clock: ManualClock,
        session: Mutex<(String, TokenResource)>,
        failures_left: AtomicU32,
        refreshes: AtomicU32,
    }

    impl FakeTarget {
        fn new(failures: u32) -> Arc<Self> {
            Arc::new(Self {
                clock: ManualClock::with_sleep_mode(T0 * 1000, SleepMode::Wait),
                session: Mutex::new(("sess_1".into(), token(T0, T0 + 60))),
                failures_left: AtomicU32::new(failures),
                refreshes: AtomicU32::new(0),
            })
        }

        fn refreshes(&self) -> u32 {
            self.refreshes.load(Ordering::SeqCst)
        }
    }

    impl RefreshTarget for FakeTarget {
        fn server_now_ms(&self) -> i64 {
            self.clock.now_ms()
        }

        fn session_token(&self) -> Option<(String, TokenResource)> {
            Some(self.session.lock().unwrap().clone())
        }

        async fn refresh(
            self: Arc<Self>,
            session_id: String,
            stale: &TokenResource,
        ) -> Result<Option<TokenResource>, Error> {
            self.refreshes.fetch_add(1, Ordering::SeqCst);
            let planned = self.session.lock().unwrap().clone();
            assert_eq!((session_id, stale), (planned.0, &planned.1), "it replaces the token it planned for");
            if self.failures_left.load(Ordering::SeqCst) > 0 {
                self.failures_left.fetch_sub(1, Ordering::SeqCst);
                return Err(Error::Timeout);
            }
            let now = self.clock.now_ms() / 1000;
            let fresh = token(now, now + 60);
            self.session.lock().unwrap().1 = fresh.clone();
            Ok(Some(fresh))
        }
    }

    /// Runs the refresher for `target` and lets it plan, as the engine does once a token is
    /// cached.
    async fn start(target: &Arc<FakeTarget>) -> (Arc<RefreshControl>, tokio::task::JoinHandle<()>) {
        let control = Arc::new(RefreshControl::new(true));
        let task = tokio::spawn(run(Arc::downgrade(target), control.clone(), Arc::new(target.clock.clone())));
        control.wake();
        settled(&target.clock, &control).await;
        (control, task)
    }

    /// Moves the clock to `ms` after the first token's issue and waits for the refresher.
    async fn at(target: &FakeTarget, control: &RefreshControl, ms: i64) {
        target.clock.set_ms(T0 * 1000 + ms);
        settled(&target.clock, control).await;
    }

    /// A refresher that spins or panicked fails the test instead of hanging it.
    async fn settled(clock: &ManualClock, control: &RefreshControl) {
        let settled = tokio::time::timeout(Duration::from_secs(5), control.settled(clock));
        settled.await.expect("the refresher settles");
    }

    // With the default 10 s buffer and a 2-5 s lead, a 60 s token is due 45-48 s after issue.

    #[tokio::test]
    async fn refreshes_a_token_once_when_it_comes_due() {
        let target = FakeTarget::new(0);
        let (control, _task) = start(&target).await;
        let wait = *target.clock.sleeps().last().unwrap();
        assert!((Duration::from_secs(45)..=Duration::from_secs(48)).contains(&wait), "{wait:?}");
        // A change just before the lead makes it plan again, still without refreshing.
        control.wake();
        at(&target, &control, 44_999).await;
        assert_eq!(target.refreshes(), 0, "not before the lead");
        at(&target, &control, 48_000).await;
        assert_eq!(target.refreshes(), 1);
        at(&target, &control, 92_999).await;
        assert_eq!(target.refreshes(), 1, "the new token is not due yet");
    }

    #[tokio::test]
    async fn backs_off_after_failures() {
        let target = FakeTarget::new(2);
        let (control, _task) = start(&target).await;
        at(&target, &control, 48_000).await;
        assert_eq!(target.refreshes(), 1);
        let wait = *target.clock.sleeps().last().unwrap();
        assert!((BACKOFF_BASE / 2..=BACKOFF_BASE).contains(&wait), "{wait:?}");
        at(&target, &control, 48_499).await;
        assert_eq!(target.refreshes(), 1, "no retry before the backoff");
        at(&target, &control, 49_000).await;
        assert_eq!(target.refreshes(), 2);
        let wait = *target.clock.sleeps().last().unwrap();
        assert!((BACKOFF_BASE..=BACKOFF_BASE * 2).contains(&wait), "doubled: {wait:?}");
        at(&target, &control, 51_000).await;
        assert_eq!(target.refreshes(), 3, "succeeded");
        at(&target, &control, 95_999).await;
        assert_eq!(target.refreshes(), 3, "the new token is not due yet");
    }

    #[tokio::test]
    async fn stops_once_the_target_is_dropped() {
        let target = FakeTarget::new(0);
        let (_control, task) = start(&target).await;
        let clock = target.clock.clone();
        drop(target);
        clock.advance(Duration::from_secs(60));
        tokio::time::timeout(Duration::from_secs(5), task).await.expect("the task ended").unwrap();
    }
}
