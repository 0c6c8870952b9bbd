//! The emulator's own notion of "now". Tests drive it explicitly so nothing depends on the
//! machine's clock or on sleeping.

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// 2026-01-01T00:00:00Z: a fixed, realistic default so tokens carry plausible timestamps.
pub const DEFAULT_START_MS: i64 = 1_767_225_600_000;

/// 9999-12-31T23:59:59.999Z: the latest time an HTTP `Date` header can show, and so the latest
/// the emulator reports.
pub const MAX_TIME_MS: i64 = 253_402_300_799_999;

/// How the clock advances.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "mode")]
pub enum ClockMode {
    /// Starts at `start_ms` and moves only through [`Clock::advance_ms`] / [`Clock::set_ms`].
    Manual { start_ms: i64 },
    /// Follows the system clock (for demos); `advance_ms` / `set_ms` shift it by an offset.
    Real,
}

impl Default for ClockMode {
    fn default() -> Self {
        ClockMode::Manual {
            start_ms: DEFAULT_START_MS,
        }
    }
}

#[derive(Debug)]
enum State {
    Manual { now_ms: i64 },
    Real { offset_ms: i64 },
}

/// A cheaply clonable handle to the emulator's clock (milliseconds since the Unix epoch).
///
/// The clock does not include the server skew; see `Emulator::set_skew_ms`.
#[derive(Debug, Clone)]
pub struct Clock {
    mode: ClockMode,
    state: Arc<Mutex<State>>,
}

impl Clock {
    pub fn new(mode: ClockMode) -> Self {
        let state = match mode {
            ClockMode::Manual { start_ms } => State::Manual { now_ms: start_ms },
            ClockMode::Real => State::Real { offset_ms: 0 },
        };
        Clock {
            mode,
            state: Arc::new(Mutex::new(state)),
        }
    }

    pub fn manual(start_ms: i64) -> Self {
        Self::new(ClockMode::Manual { start_ms })
    }

    pub fn real() -> Self {
        Self::new(ClockMode::Real)
    }

    pub fn mode(&self) -> ClockMode {
        self.mode
    }

    pub fn now_ms(&self) -> i64 {
        match *self.lock() {
            State::Manual { now_ms } => now_ms,
            State::Real { offset_ms } => system_now_ms().saturating_add(offset_ms),
        }
    }

    /// Moves the clock forward (or backward, with a negative value).
    pub fn advance_ms(&self, ms: i64) {
        match &mut *self.lock() {
            State::Manual { now_ms } => *now_ms = now_ms.saturating_add(ms),
            State::Real { offset_ms } => *offset_ms = offset_ms.saturating_add(ms),
        }
    }

    /// Jumps to an absolute time.
    pub fn set_ms(&self, ms: i64) {
        match &mut *self.lock() {
            State::Manual { now_ms } => *now_ms = ms,
            State::Real { offset_ms } => *offset_ms = ms.saturating_sub(system_now_ms()),
        }
    }

    /// Returns to the configured starting point (manual) or to the system time (real).
    pub fn reset(&self) {
        *self.lock() = match self.mode {
            ClockMode::Manual { start_ms } => State::Manual { now_ms: start_ms },
            ClockMode::Real => State::Real { offset_ms: 0 },
        };
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding this lock cannot leave the state half-written.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn system_now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = Clock::manual(1_000);
        assert_eq!(c.now_ms(), 1_000);
        c.advance_ms(500);
        assert_eq!(c.now_ms(), 1_500);
        c.set_ms(10);
        assert_eq!(c.now_ms(), 10);
        c.reset();
        assert_eq!(c.now_ms(), 1_000);
    }

    #[test]
    fn real_clock_can_be_shifted() {
        let c = Clock::real();
        let before = system_now_ms();
        c.advance_ms(3_600_000);
        assert!(c.now_ms() >= before + 3_600_000);
    }
}
