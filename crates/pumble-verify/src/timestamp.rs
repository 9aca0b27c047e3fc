//! The `x-pumble-request-timestamp` header: parsing and the freshness window.
//!
//! Pumble does not document the unit (pumble-protocol.md §2.2, §9.17), and
//! public receivers see both seconds and milliseconds since the Unix epoch. The
//! two are told apart by magnitude: see [`MILLISECONDS_THRESHOLD`].

use std::time::Duration;

use crate::Rejection;

/// Timestamps at or above this value (10^11) are read as milliseconds since
/// the Unix epoch, smaller ones as seconds.
///
/// 10^11 seconds is in the year 5138, and 10^11 milliseconds is March 1973,
/// so no plausible current time is ambiguous.
pub const MILLISECONDS_THRESHOLD: u64 = 100_000_000_000;

/// The unit a timestamp header was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum TimestampUnit {
    Seconds,
    Milliseconds,
}

/// A parsed timestamp header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct RequestTimestamp {
    value: u64,
    unit: TimestampUnit,
}

impl RequestTimestamp {
    /// Parses a header made only of ASCII digits. Signs, spaces, decimal
    /// points, exponents and values beyond `u64` are refused.
    pub(crate) fn parse(header: &[u8]) -> Result<Self, Rejection> {
        if header.is_empty() {
            return Err(Rejection::MalformedTimestamp);
        }
        let mut value: u64 = 0;
        for &byte in header {
            if !byte.is_ascii_digit() {
                return Err(Rejection::MalformedTimestamp);
            }
            value = value
                .checked_mul(10)
                .and_then(|v| v.checked_add(u64::from(byte - b'0')))
                .ok_or(Rejection::MalformedTimestamp)?;
        }
        let unit = if value >= MILLISECONDS_THRESHOLD {
            TimestampUnit::Milliseconds
        } else {
            TimestampUnit::Seconds
        };
        Ok(RequestTimestamp { value, unit })
    }

    /// Checks that the timestamp lies within `window` of `now` (time since the
    /// Unix epoch), on either side, edges included. Seconds are compared at
    /// whole-second precision, milliseconds at millisecond precision.
    pub(crate) fn check_window(self, now: Duration, window: Duration) -> Result<(), Rejection> {
        let (now, limit) = match self.unit {
            TimestampUnit::Seconds => (i128::from(now.as_secs()), i128::from(window.as_secs())),
            TimestampUnit::Milliseconds => (now.as_millis() as i128, window.as_millis() as i128),
        };
        let age = now - i128::from(self.value);
        if age > limit {
            Err(Rejection::StaleTimestamp)
        } else if age < -limit {
            Err(Rejection::FutureTimestamp)
        } else {
            Ok(())
        }
    }

    /// The timestamp in milliseconds since the Unix epoch.
    pub(crate) fn as_millis(self) -> u128 {
        match self.unit {
            TimestampUnit::Seconds => u128::from(self.value) * 1000,
            TimestampUnit::Milliseconds => u128::from(self.value),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WINDOW: Duration = Duration::from_secs(300);

    #[test]
    fn magnitude_decides_the_unit() {
        let seconds = RequestTimestamp::parse(b"99999999999").expect("digits");
        assert_eq!(seconds.unit, TimestampUnit::Seconds);
        let millis = RequestTimestamp::parse(b"100000000000").expect("digits");
        assert_eq!(millis.unit, TimestampUnit::Milliseconds);
    }

    #[test]
    fn largest_u64_parses_and_one_more_overflows() {
        assert!(RequestTimestamp::parse(b"18446744073709551615").is_ok());
        assert_eq!(
            RequestTimestamp::parse(b"18446744073709551616"),
            Err(Rejection::MalformedTimestamp)
        );
    }

    #[test]
    fn seconds_window_uses_whole_seconds_of_now() {
        let ts = RequestTimestamp::parse(b"1717000000").expect("digits");
        let now = Duration::from_millis(1_717_000_300_999);
        assert_eq!(ts.check_window(now, WINDOW), Ok(()));
        let now = Duration::from_millis(1_717_000_301_000);
        assert_eq!(ts.check_window(now, WINDOW), Err(Rejection::StaleTimestamp));
    }

    #[test]
    fn milliseconds_window_is_exact_to_the_millisecond() {
        let ts = RequestTimestamp::parse(b"1717000000000").expect("digits");
        let now = Duration::from_millis(1_717_000_300_000);
        assert_eq!(ts.check_window(now, WINDOW), Ok(()));
        let now = Duration::from_millis(1_717_000_300_001);
        assert_eq!(ts.check_window(now, WINDOW), Err(Rejection::StaleTimestamp));
        let now = Duration::from_millis(1_716_999_699_999);
        assert_eq!(
            ts.check_window(now, WINDOW),
            Err(Rejection::FutureTimestamp)
        );
    }

    #[test]
    fn as_millis_scales_seconds_only() {
        let seconds = RequestTimestamp::parse(b"1717000000").expect("digits");
        let millis = RequestTimestamp::parse(b"1717000000000").expect("digits");
        assert_eq!(seconds.as_millis(), millis.as_millis());
    }
}
