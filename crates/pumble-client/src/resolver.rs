//! Where a call connects: the base URL's host resolved once in a while, not
//! before every call.
//!
//! ureq resolves the host before every call, even one that goes out on a
//! pooled connection, and because this client always sets a timeout, ureq's
//! own resolver does each lookup on a thread spawned for it. Here:
//!
//! - a host that is an IP address (`127.0.0.1`, `[::1]`) is used as it is:
//!   no lookup and no thread;
//! - a host name is looked up by ureq's resolver (so within the call's
//!   timeout) and the addresses are kept for [`RESOLVED_FOR`]; a failed
//!   lookup is not kept, so the next call tries again.
//!
//! The addresses a lookup returns are filtered to the configured IP family
//! by the lookup itself; the family is part of what is remembered.

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use ureq::config::{Config, IpFamily};
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// How long the addresses of a host name are used before it is looked up
/// again (a DNS change reaches the client within this time).
pub const RESOLVED_FOR: Duration = Duration::from_secs(30);

/// Hosts remembered at most; a client talks to one base URL, so this is only
/// a bound, never reached in use.
const MAX_REMEMBERED: usize = 16;

/// A [`Resolver`] that skips the lookup of IP addresses and remembers host
/// names' addresses for a while.
pub(crate) struct RememberingResolver {
    lookup: Box<dyn Resolver>,
    resolved_for: Duration,
    remembered: Mutex<HashMap<(String, u8), Remembered>>,
}

struct Remembered {
    at: Instant,
    addresses: ResolvedSocketAddrs,
}

impl RememberingResolver {
    /// Looks host names up with ureq's own resolver.
    pub(crate) fn new() -> Self {
        Self::with_lookup(Box::new(DefaultResolver::default()), RESOLVED_FOR)
    }

    fn with_lookup(lookup: Box<dyn Resolver>, resolved_for: Duration) -> Self {
        RememberingResolver {
            lookup,
            resolved_for,
            remembered: Mutex::new(HashMap::new()),
        }
    }
}

impl Resolver for RememberingResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let host_and_port = match (uri.scheme(), uri.authority()) {
            (Some(scheme), Some(authority)) => DefaultResolver::host_and_port(scheme, authority),
            _ => None,
        };
        // Not a full URL: the lookup gives the error ureq would.
        let Some(host_and_port) = host_and_port else {
            return self.lookup.resolve(uri, config, timeout);
        };
        let family = config.ip_family();
        if let Ok(address) = host_and_port.parse::<SocketAddr>() {
            let mut addresses = self.empty();
            for wanted in family.keep_wanted(std::iter::once(address)) {
                addresses.push(wanted);
            }
            return if addresses.is_empty() {
                Err(ureq::Error::HostNotFound)
            } else {
                Ok(addresses)
            };
        }
        let key = (host_and_port, family_key(family));
        {
            let remembered = self
                .remembered
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if let Some(entry) = remembered.get(&key) {
                if entry.at.elapsed() < self.resolved_for {
                    return Ok(entry.addresses.clone());
                }
            }
        }
        // Looked up without holding the lock: a slow lookup does not hold up
        // calls to hosts already known.
        let addresses = self.lookup.resolve(uri, config, timeout)?;
        let mut remembered = self
            .remembered
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if remembered.len() >= MAX_REMEMBERED && !remembered.contains_key(&key) {
            remembered.clear();
        }
        remembered.insert(
            key,
            Remembered {
                at: Instant::now(),
                addresses: addresses.clone(),
            },
        );
        Ok(addresses)
    }
}

/// [`IpFamily`] as a map key (it is not `Hash`).
fn family_key(family: IpFamily) -> u8 {
    match family {
        IpFamily::Any => 0,
        IpFamily::Ipv4Only => 4,
        IpFamily::Ipv6Only => 6,
    }
}

impl fmt::Debug for RememberingResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RememberingResolver")
            .field("resolved_for", &self.resolved_for)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use super::*;

    /// A lookup that counts its calls and answers from a fixed address, or
    /// fails while `failing` is set.
    #[derive(Debug, Default)]
    struct CountingLookup {
        calls: Arc<AtomicUsize>,
        failing: Arc<std::sync::atomic::AtomicBool>,
    }

    impl Resolver for CountingLookup {
        fn resolve(
            &self,
            _uri: &Uri,
            _config: &Config,
            _timeout: NextTimeout,
        ) -> Result<ResolvedSocketAddrs, ureq::Error> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            if self.failing.load(Ordering::SeqCst) {
                return Err(ureq::Error::HostNotFound);
            }
            let mut addresses = self.empty();
            addresses.push("192.0.2.7:443".parse().expect("an address"));
            Ok(addresses)
        }
    }

    fn resolver(resolved_for: Duration) -> (RememberingResolver, CountingLookup) {
        let lookup = CountingLookup::default();
        let shared = CountingLookup {
            calls: Arc::clone(&lookup.calls),
            failing: Arc::clone(&lookup.failing),
        };
        (
            RememberingResolver::with_lookup(Box::new(shared), resolved_for),
            lookup,
        )
    }

    fn resolve(resolver: &RememberingResolver, url: &str) -> Result<Vec<SocketAddr>, ureq::Error> {
        resolve_with(resolver, url, &Config::default())
    }

    fn resolve_with(
        resolver: &RememberingResolver,
        url: &str,
        config: &Config,
    ) -> Result<Vec<SocketAddr>, ureq::Error> {
        let uri: Uri = url.parse().expect("a URL");
        resolver
            .resolve(&uri, config, NextTimeout::default())
            .map(|addresses| addresses.to_vec())
    }

    #[test]
    fn ip_addresses_are_used_as_they_are_without_a_lookup() {
        let (resolver, lookup) = resolver(RESOLVED_FOR);
        assert_eq!(
            resolve(&resolver, "http://127.0.0.1:8080/v1/x").expect("resolved"),
            vec!["127.0.0.1:8080".parse::<SocketAddr>().expect("an address")]
        );
        assert_eq!(
            resolve(&resolver, "https://[::1]/v1/x").expect("resolved"),
            vec!["[::1]:443".parse::<SocketAddr>().expect("an address")]
        );
        assert_eq!(
            resolve(&resolver, "http://10.1.2.3/").expect("resolved"),
            vec!["10.1.2.3:80".parse::<SocketAddr>().expect("an address")]
        );
        assert_eq!(lookup.calls.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn an_address_of_the_unwanted_family_is_not_found() {
        let (resolver, _) = resolver(RESOLVED_FOR);
        let v4_only = Config::builder().ip_family(IpFamily::Ipv4Only).build();
        assert!(matches!(
            resolve_with(&resolver, "http://[::1]:8080/", &v4_only),
            Err(ureq::Error::HostNotFound)
        ));
        assert!(resolve_with(&resolver, "http://127.0.0.1:8080/", &v4_only).is_ok());
    }

    #[test]
    fn a_host_name_is_looked_up_once_while_remembered() {
        let (resolver, lookup) = resolver(RESOLVED_FOR);
        for _ in 0..3 {
            assert_eq!(
                resolve(&resolver, "https://api.example.test/v1/messages").expect("resolved"),
                vec!["192.0.2.7:443".parse::<SocketAddr>().expect("an address")]
            );
        }
        assert_eq!(lookup.calls.load(Ordering::SeqCst), 1);
        // Another port is another entry.
        resolve(&resolver, "https://api.example.test:8443/").expect("resolved");
        assert_eq!(lookup.calls.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn a_host_name_is_looked_up_again_once_its_time_is_up() {
        let (resolver, lookup) = resolver(Duration::ZERO);
        resolve(&resolver, "https://api.example.test/").expect("resolved");
        resolve(&resolver, "https://api.example.test/").expect("resolved");
        assert_eq!(lookup.calls.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn a_failed_lookup_is_not_remembered() {
        let (resolver, lookup) = resolver(RESOLVED_FOR);
        lookup.failing.store(true, Ordering::SeqCst);
        assert!(matches!(
            resolve(&resolver, "https://api.example.test/"),
            Err(ureq::Error::HostNotFound)
        ));
        lookup.failing.store(false, Ordering::SeqCst);
        resolve(&resolver, "https://api.example.test/").expect("resolved after the failure");
        assert_eq!(lookup.calls.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn the_remembered_hosts_stay_bounded() {
        let (resolver, lookup) = resolver(RESOLVED_FOR);
        for n in 0..(MAX_REMEMBERED + 5) {
            resolve(&resolver, &format!("https://host{n}.example.test/")).expect("resolved");
        }
        let kept = resolver.remembered.lock().expect("not poisoned").len();
        assert!(kept <= MAX_REMEMBERED, "{kept} hosts kept");
        assert_eq!(lookup.calls.load(Ordering::SeqCst), MAX_REMEMBERED + 5);
    }
}
