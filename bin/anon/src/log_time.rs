//! Log-line timestamps: UTC, RFC 3339, to the millisecond
//! (`2026-12-03T18:22:30.123Z`), computed without a calendar library and
//! with the date part reused for every line of the same second.

use std::time::{SystemTime, UNIX_EPOCH};

/// Formats instants, remembering the last second's `YYYY-MM-DDTHH:MM:SS`.
#[derive(Debug, Default)]
pub struct LogClock {
    second: Option<u64>,
    prefix: [u8; 19],
}

impl LogClock {
    /// Appends `now` (e.g. `2026-12-03T18:22:30.123Z`) to `out`.
    pub fn write_now(&mut self, out: &mut Vec<u8>) {
        let since_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        self.write_at(since_epoch.as_secs(), since_epoch.subsec_millis(), out);
    }

    /// Appends the instant `seconds` + `millis` after the Unix epoch.
    pub fn write_at(&mut self, seconds: u64, millis: u32, out: &mut Vec<u8>) {
        if self.second != Some(seconds) {
            self.prefix = date_time(seconds);
            self.second = Some(seconds);
        }
        out.extend_from_slice(&self.prefix);
        let millis = millis.min(999);
        out.extend_from_slice(&[
            b'.',
            digit(millis / 100),
            digit(millis / 10 % 10),
            digit(millis % 10),
            b'Z',
        ]);
    }
}

fn digit(value: u32) -> u8 {
    // `value` is a single decimal digit at every call site.
    b'0' + (value % 10) as u8
}

/// `YYYY-MM-DDTHH:MM:SS` for `seconds` after the Unix epoch (UTC).
fn date_time(seconds: u64) -> [u8; 19] {
    let days = seconds / 86_400;
    let of_day = (seconds % 86_400) as u32;
    let (year, month, day) = civil_from_days(days);
    let mut text = *b"0000-00-00T00:00:00";
    let year = year.min(9999);
    text[0] = digit(year / 1000);
    text[1] = digit(year / 100);
    text[2] = digit(year / 10);
    text[3] = digit(year);
    text[5] = digit(month / 10);
    text[6] = digit(month);
    text[8] = digit(day / 10);
    text[9] = digit(day);
    let (hour, minute, second) = (of_day / 3600, of_day / 60 % 60, of_day % 60);
    text[11] = digit(hour / 10);
    text[12] = digit(hour);
    text[14] = digit(minute / 10);
    text[15] = digit(minute);
    text[17] = digit(second / 10);
    text[18] = digit(second);
    text
}

/// The proleptic Gregorian (year, month, day) of a day count since
/// 1970-01-01 (H. Hinnant's `civil_from_days`, for non-negative days).
fn civil_from_days(days: u64) -> (u32, u32, u32) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (
        u32::try_from(year).unwrap_or(u32::MAX),
        month as u32,
        day as u32,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn formatted(seconds: u64, millis: u32) -> String {
        let mut out = Vec::new();
        LogClock::default().write_at(seconds, millis, &mut out);
        String::from_utf8(out).expect("ASCII")
    }

    #[test]
    fn known_instants_format_as_rfc3339_utc() {
        assert_eq!(formatted(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(formatted(951_782_400, 7), "2000-02-29T00:00:00.007Z");
        assert_eq!(formatted(1_796_322_150, 123), "2026-12-03T18:22:30.123Z");
        assert_eq!(formatted(4_102_444_799, 999), "2099-12-31T23:59:59.999Z");
    }

    #[test]
    fn the_cached_second_is_replaced_when_the_second_changes() {
        let mut clock = LogClock::default();
        let mut out = Vec::new();
        clock.write_at(59, 500, &mut out);
        out.push(b' ');
        clock.write_at(60, 1, &mut out);
        assert_eq!(
            String::from_utf8(out).expect("ASCII"),
            "1970-01-01T00:00:59.500Z 1970-01-01T00:01:00.001Z"
        );
    }
}
