//! Secrets shown once after a POST (a reset password): the POST keeps the text under a random
//! token and redirects; the page it redirects to takes it, so reloading shows it no more and
//! repeats nothing.

use std::collections::HashMap;
use std::sync::Mutex;

/// How long a kept secret waits to be shown.
const KEEP_MS: i64 = 10 * 60 * 1000;
/// The most secrets kept at once; the oldest go first.
const MAX: usize = 1_000;

#[derive(Default)]
pub struct Reveals {
    /// token → (the user it is for, the text, kept until)
    kept: Mutex<HashMap<String, (i64, String, i64)>>,
}

impl Reveals {
    /// Keeps `text` for `user` and returns the token that takes it.
    pub fn keep(&self, user: i64, text: String, now_ms: i64) -> String {
        use rand::RngExt;
        let token = hex::encode(rand::rng().random::<[u8; 16]>());
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        kept.retain(|_, (.., until)| *until > now_ms);
        if kept.len() >= MAX
            && let Some(oldest) =
                kept.iter().min_by_key(|(_, (.., until))| *until).map(|(k, _)| k.clone())
        {
            kept.remove(&oldest);
        }
        kept.insert(token.clone(), (user, text, now_ms + KEEP_MS));
        token
    }

    /// The text kept under `token` for `user`, once.
    pub fn take(&self, user: i64, token: &str, now_ms: i64) -> Option<String> {
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        match kept.get(token) {
            Some((owner, _, until)) if *owner == user && *until > now_ms => {
                kept.remove(token).map(|(_, text, _)| text)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_shown_once_to_its_user_only() {
        let r = Reveals::default();
        let t = r.keep(7, "Pw-1".into(), 0);
        assert_eq!(r.take(8, &t, 1), None, "another user");
        assert_eq!(r.take(7, &t, 1).as_deref(), Some("Pw-1"));
        assert_eq!(r.take(7, &t, 2), None, "only once");
        let t = r.keep(7, "Pw-2".into(), 0);
        assert_eq!(r.take(7, &t, KEEP_MS + 1), None, "expired");
    }
}
