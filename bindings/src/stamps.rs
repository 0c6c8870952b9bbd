//! The tokens a session handed to a facade's peek (peek.rs), by stamp: a number that names
//! one token for the process's lifetime, so a facade copies a token across only once.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};

use crate::types::TokenResource;

/// Stamps are positive; 0 means "no token".
static NEXT_STAMP: AtomicI64 = AtomicI64::new(1);

/// Tokens a session handed out lately, by stamp: enough for a few templates and organizations
/// in turn; an older stamp is simply peeked again.
#[derive(Default)]
pub(crate) struct Stamps(Mutex<VecDeque<(i64, TokenResource)>>);

const REMEMBERED: usize = 8;

impl Stamps {
    pub(crate) fn stamp(&self, token: TokenResource) -> i64 {
        let mut recent = self.0.lock().unwrap_or_else(|p| p.into_inner());
        // `expires_at` and `issued_at` are read from the JWT, so the JWT names the token.
        if let Some((stamp, _)) = recent.iter().find(|(_, known)| known.jwt == token.jwt) {
            return *stamp;
        }
        let stamp = NEXT_STAMP.fetch_add(1, Ordering::Relaxed);
        if recent.len() == REMEMBERED {
            recent.pop_front();
        }
        recent.push_back((stamp, token));
        stamp
    }

    pub(crate) fn token(&self, stamp: i64) -> Option<TokenResource> {
        let recent = self.0.lock().unwrap_or_else(|p| p.into_inner());
        recent.iter().find(|(known, _)| *known == stamp).map(|(_, token)| token.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(n: i64) -> TokenResource {
        TokenResource { jwt: format!("header.payload{n}.signature"), expires_at: n + 60, issued_at: n }
    }

    #[test]
    fn a_stamp_names_one_token_and_is_never_reused() {
        let stamps = Stamps::default();
        let first = stamps.stamp(token(1));
        assert!(first > 0);
        assert_eq!(stamps.stamp(token(1)), first, "the same token keeps its stamp");
        let second = stamps.stamp(token(2));
        assert!(second > first);
        assert_eq!(stamps.token(first), Some(token(1)));
        assert_eq!(stamps.token(second), Some(token(2)));
        for n in 3..3 + REMEMBERED as i64 {
            stamps.stamp(token(n));
        }
        assert_eq!(stamps.token(first), None, "the oldest are forgotten");
        assert!(stamps.stamp(token(1)) > second, "a forgotten token comes back with a new stamp");
        assert_eq!(stamps.token(0), None);
    }
}
