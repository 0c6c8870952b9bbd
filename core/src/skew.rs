//! The device clock can be minutes off. Expiry is judged on the server's time, estimated from
//! the `Date` header and token `iat` of each response.

use std::sync::atomic::{AtomicI64, Ordering};

#[derive(Debug, Default)]
pub(crate) struct SkewEstimator {
    offset_ms: AtomicI64,
}

impl SkewEstimator {
    /// `server_secs` is a server timestamp at or before the response was sent (`Date`, `iat`:
    /// whole seconds, rounded down). The true server time is therefore up to a second later;
    /// assuming the later end errs towards refreshing early, never towards an expired token.
    pub fn observe(&self, server_secs: i64, device_now_ms: i64) {
        let offset = server_secs * 1000 + 1000 - device_now_ms;
        self.offset_ms.store(offset, Ordering::Relaxed);
    }

    pub fn offset_ms(&self) -> i64 {
        self.offset_ms.load(Ordering::Relaxed)
    }

    pub fn server_now_ms(&self, device_now_ms: i64) -> i64 {
        device_now_ms + self.offset_ms()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_server_time_conservatively() {
        let skew = SkewEstimator::default();
        assert_eq!(skew.server_now_ms(5_000), 5_000);
        // Device ten minutes behind the server.
        skew.observe(600 + 100, 100_500);
        assert_eq!(skew.server_now_ms(100_500), 701_000);
        // Device ten minutes ahead: the latest observation wins.
        skew.observe(100, 700_000);
        assert_eq!(skew.server_now_ms(700_000), 101_000);
    }
}
