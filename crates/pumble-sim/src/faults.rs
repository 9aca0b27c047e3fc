//! Fault injection: latency, fixed errors, rate limiting and hangs, matched per
//! endpoint by method and path pattern.

use std::time::Duration;

/// What happens to a request that matches a [`FaultRule`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Wait this long, then handle the request normally. Latency rules stack
    /// with each other and with one terminal fault.
    Latency(Duration),
    /// Answer this status with a JSON error body `{"code","message"}` instead
    /// of handling the request.
    Status {
        /// HTTP status.
        status: u16,
        /// The body's `code`.
        code: String,
        /// The body's `message`.
        message: String,
    },
    /// Answer `429 Too Many Requests` with a `Retry-After` header (seconds)
    /// and a JSON error body. Pumble's real 429 headers are \[UNVERIFIED\]
    /// (protocol §8); clients should cope with and without the header.
    RateLimited {
        /// `Retry-After` value in seconds.
        retry_after_secs: u64,
    },
    /// Never answer: hold the connection until the simulator stops (or an hour
    /// passes). Other requests are not blocked.
    Hang,
}

impl Fault {
    /// A fixed error status with a generic code and message.
    pub fn status(status: u16) -> Fault {
        Fault::Status {
            status,
            code: "INJECTED_FAULT".to_owned(),
            message: format!("injected status {status}"),
        }
    }

    fn is_terminal(&self) -> bool {
        !matches!(self, Fault::Latency(_))
    }
}

/// An id for removing one rule again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FaultId(pub(crate) u64);

/// A fault and the requests it applies to.
///
/// The pattern is a path without query; `*` matches exactly one segment and a
/// final `**` matches any rest, e.g. `/v1/channels/*/messages` or
/// `/v1/channels/**`. The method is matched case-insensitively; `None` matches
/// every method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRule {
    /// Method to match, or `None` for all.
    pub method: Option<String>,
    /// Path pattern.
    pub path_pattern: String,
    /// What to do.
    pub fault: Fault,
    /// How many more requests it applies to; `None` for unlimited.
    pub remaining: Option<u32>,
}

impl FaultRule {
    /// A rule for one method and path pattern.
    pub fn new(method: &str, path_pattern: &str, fault: Fault) -> FaultRule {
        FaultRule {
            method: Some(method.to_ascii_uppercase()),
            path_pattern: path_pattern.to_owned(),
            fault,
            remaining: None,
        }
    }

    /// A rule for every method on a path pattern.
    pub fn any_method(path_pattern: &str, fault: Fault) -> FaultRule {
        FaultRule {
            method: None,
            path_pattern: path_pattern.to_owned(),
            fault,
            remaining: None,
        }
    }

    /// Limits the rule to the next `n` matching requests.
    pub fn times(mut self, n: u32) -> FaultRule {
        self.remaining = Some(n);
        self
    }

    /// Whether the rule applies to `method` and `path` (ignoring `remaining`).
    pub fn matches(&self, method: &str, path: &str) -> bool {
        if let Some(m) = &self.method {
            if !m.eq_ignore_ascii_case(method) {
                return false;
            }
        }
        path_matches(&self.path_pattern, path)
    }
}

fn path_matches(pattern: &str, path: &str) -> bool {
    let pattern: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty()).collect();
    let path: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    for (i, want) in pattern.iter().enumerate() {
        if *want == "**" && i + 1 == pattern.len() {
            return true;
        }
        match path.get(i) {
            Some(got) if *want == "*" || want == got => {}
            _ => return false,
        }
    }
    pattern.len() == path.len()
}

/// What the faults say to do with one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FaultPlan {
    /// Total added latency.
    pub delay: Duration,
    /// The terminal fault, if any.
    pub terminal: Option<Fault>,
}

/// The active rules, in insertion order.
#[derive(Debug, Default)]
pub(crate) struct FaultSet {
    rules: Vec<(FaultId, FaultRule)>,
    next_id: u64,
}

impl FaultSet {
    pub(crate) fn insert(&mut self, rule: FaultRule) -> FaultId {
        self.next_id += 1;
        let id = FaultId(self.next_id);
        self.rules.push((id, rule));
        id
    }

    pub(crate) fn remove(&mut self, id: FaultId) -> bool {
        let before = self.rules.len();
        self.rules.retain(|(rid, _)| *rid != id);
        self.rules.len() != before
    }

    pub(crate) fn clear(&mut self) {
        self.rules.clear();
    }

    /// Decides what to do with a request and uses up counted rules.
    pub(crate) fn plan(&mut self, method: &str, path: &str) -> FaultPlan {
        let mut plan = FaultPlan::default();
        for (_, rule) in self.rules.iter_mut() {
            if rule.remaining == Some(0) || !rule.matches(method, path) {
                continue;
            }
            if rule.fault.is_terminal() {
                if plan.terminal.is_some() {
                    continue;
                }
                plan.terminal = Some(rule.fault.clone());
            } else if let Fault::Latency(d) = rule.fault {
                plan.delay += d;
            }
            if let Some(n) = rule.remaining.as_mut() {
                *n -= 1;
            }
        }
        self.rules.retain(|(_, r)| r.remaining != Some(0));
        plan
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_segments() {
        assert!(path_matches(
            "/v1/channels/*/messages",
            "/v1/channels/c1/messages"
        ));
        assert!(!path_matches(
            "/v1/channels/*/messages",
            "/v1/channels/c1/messages/m1"
        ));
        assert!(!path_matches(
            "/v1/channels/*/messages",
            "/v1/channels/messages"
        ));
        assert!(path_matches(
            "/v1/channels/**",
            "/v1/channels/c1/messages/m1"
        ));
        assert!(path_matches("/v1/channels/**", "/v1/channels"));
        assert!(!path_matches("/v1/channels", "/v1/channels/direct"));
    }

    #[test]
    fn counted_rules_expire_and_latency_stacks() {
        let mut set = FaultSet::default();
        set.insert(FaultRule::new(
            "get",
            "/a",
            Fault::Latency(Duration::from_millis(5)),
        ));
        set.insert(FaultRule::any_method("/a", Fault::status(500)).times(1));
        set.insert(FaultRule::any_method(
            "/a",
            Fault::Latency(Duration::from_millis(7)),
        ));
        let first = set.plan("GET", "/a");
        assert_eq!(first.delay, Duration::from_millis(12));
        assert_eq!(first.terminal, Some(Fault::status(500)));
        let second = set.plan("GET", "/a");
        assert_eq!(second.terminal, None);
        let post = set.plan("POST", "/a");
        assert_eq!(post.delay, Duration::from_millis(7));
    }
}
